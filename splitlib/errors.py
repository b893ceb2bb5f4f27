"""Errors a user can cause. The CLI prints their message alone, without a traceback."""


class UserError(Exception):
    """A problem the user can fix (bad config, missing input, unreachable bucket, ...).

    The message must say what went wrong and what to do about it.
    """


class TrainingInterrupted(Exception):
    """Raised after a checkpoint was saved because SIGINT or SIGTERM arrived (here, not in the
    training loop, so the commands can catch it without importing torch)."""
