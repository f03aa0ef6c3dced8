"""One small exception tree. Every message is one sentence: what is wrong, where, how to fix it."""


class VoicecoachError(Exception):
    """Base of every error voicecoach reports to the user."""

    exit_code = 1


class DataFileError(VoicecoachError):
    """An intent or content file is malformed."""

    exit_code = 2

    def __init__(self, file: str, entry: str, problem: str) -> None:
        """The message is "file: entry: problem."; with no entry (the file as a whole),
        "file problem." (the period is added here)."""
        text = f"{file}: {entry}: {problem}" if entry else f"{file} {problem}"
        super().__init__(text if text.endswith(".") else f"{text}.")
        self.file = file
        self.entry = entry


class UsageError(VoicecoachError):
    """A command-line option or script file is wrong."""

    exit_code = 2


class OutputError(VoicecoachError):
    """The output (stdout) cannot be written: a full disk, a device that fails."""


class AudioError(VoicecoachError):
    """No microphone, no speaker, an unreadable audio file."""


class ModelError(VoicecoachError):
    """No recognizer model, or a broken one."""


class HistoryError(VoicecoachError):
    """The history database is damaged or from a newer version: never overwritten."""


class HistoryUnwritable(HistoryError):
    """The history cannot be saved (read-only place, full disk): the session goes on."""
