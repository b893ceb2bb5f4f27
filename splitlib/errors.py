"""Errors a user can cause. The CLI prints their message alone, without a traceback."""

# what a storage client says when the store stopped answering (botocore, urllib3, OS)
UNREACHABLE = ("Could not connect to the endpoint URL", "EndpointConnectionError",
               "Connection refused", "Connection reset by peer", "Max retries exceeded")  # fmt: skip
# and when it has no credentials to ask with (botocore, through s3fs)
NO_CREDENTIALS = ("NoCredentialsError", "PartialCredentialsError", "Unable to locate credentials")


class UserError(Exception):
    """A problem the user can fix (bad config, missing input, unreachable bucket, ...).

    The message must say what went wrong and what to do about it.
    """


class TrainingInterrupted(Exception):
    """Raised after a checkpoint was saved because SIGINT or SIGTERM arrived (here, not in the
    training loop, so the commands can catch it without importing torch)."""


def storage_problem(err: BaseException) -> str | None:
    """One line for a store that cannot be reached or asked (no credentials, no permission),
    whichever command met it; None for any other error. By name, so no client is imported."""
    text = f"{type(err).__name__}: {err}"
    if any(marker in text for marker in NO_CREDENTIALS):
        return (
            f"no credentials for object storage ({type(err).__name__}): set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), and SPLITLIB_S3_ENDPOINT_URL for a store "
            "other than AWS S3, then rerun the same command."
        )
    if any(marker in text for marker in UNREACHABLE):
        return (
            f"the storage did not answer ({str(err).splitlines()[0][:200]}): check the endpoint "
            "(SPLITLIB_S3_ENDPOINT_URL) and the network, then rerun the same command."
        )
    if isinstance(err, PermissionError):
        where = err.filename or str(err)
        return (
            f"permission denied for {where!r}: check who may read or write it, or use another path."
        )
    return None
