import pytest


@pytest.fixture(scope="session")
def split_run():  # DEV ONLY: a split made by the real job, reused while iterating
    return "/tmp/realsplit/run"
