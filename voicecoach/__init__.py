"""voicecoach: an offline, hands-free voice coach for hip-strengthening exercises."""

__version__ = "0.1.0"
