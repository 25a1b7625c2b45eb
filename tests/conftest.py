from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
CORPUS = REPO.parent / "shared" / "corpus"

# What loading rules works out is kept between runs (cleaner.cache): the tests, and the
# commands they run, keep it in a directory of their own, not the user's.
os.environ["CLEANER_CACHE"] = tempfile.mkdtemp(prefix="cleaner-test-cache-")


@pytest.fixture(scope="session")
def cleaner_default():
    from cleaner import Cleaner

    return Cleaner()


def run_cli(*args: str, stdin: bytes | None = None, cwd: Path | None = None):
    """Run ``python -m cleaner`` as a user would, as a subprocess."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "cleaner", *args],
        input=stdin, capture_output=True, cwd=cwd or REPO, timeout=300,
    )
