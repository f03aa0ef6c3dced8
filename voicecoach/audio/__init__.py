"""The ports' real adapters: microphone and WAV sources, recognizers, speaker."""
