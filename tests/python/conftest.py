"""Shared setup of the Python suites: the package must come from the build tree (CTest sets
PYTHONPATH=${NEUROTHEORY_PYTHONPATH}); say so plainly when it does not."""

from __future__ import annotations

import os

import pytest

try:
    import neurotheory  # noqa: F401
except ImportError as error:  # pragma: no cover - only when run by hand without PYTHONPATH
    raise pytest.UsageError(
        f"cannot import neurotheory ({error}); build the _neurotheory target and run with "
        "PYTHONPATH=build/<preset>/python /usr/bin/python3 -m pytest tests/python"
    ) from error


@pytest.fixture
def restore_threads():
    """Puts the library's thread count back after a test that changes it."""
    import neurotheory as nt

    before = nt.thread_count()
    yield before
    nt.set_thread_count(before)


def pytest_report_header(config) -> str:
    import neurotheory as nt

    return f"neurotheory {nt.__version__} from {os.path.dirname(nt.__file__)}"
