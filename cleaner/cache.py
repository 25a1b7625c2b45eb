"""What loading a rules directory works out, kept between runs.

Loading rules parses the pack files (TOML), reads every pattern for the literals it
needs and how its matches can start and end (``literals``), and runs every rule's
examples. For the same rule files and the same cleaner all of it comes out the same,
so the first process that loads a rules directory keeps it in a file and the next ones
read it back (0.1 s of a start of about 0.38 s here). Kept: the parsed files, that the
examples passed, and the analyses; not the compiled patterns, which every process
compiles (and so checks). A file is named by a hash of the rule files'
paths and bytes and of cleaner's own code, so changing a rule or cleaner means new work
and a new file (the newest ``KEEP`` are kept). The directory is ``$CLEANER_CACHE``,
else ``$XDG_CACHE_HOME/cleaner``, else ``~/.cache/cleaner``; ``CLEANER_CACHE=off``
turns keeping off. A file that cannot be read or written is ignored: the work is done
again, and nothing else changes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

KEEP = 16
"""Cache files kept at most (one per version of the rules and of cleaner)."""

_VERSION = 1
"""The layout of a cache file; another layout is not read."""


def cache_dir() -> Path | None:
    """Where cache files go, or None when keeping is off."""
    env = os.environ.get("CLEANER_CACHE")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "no", "false") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cleaner"


@functools.cache
def _code_digest() -> bytes:
    """A hash of cleaner's own files (its Python and compiled modules)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".so", ".pyd") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.digest()


def rules_key(files: Iterable[tuple[str, bytes]]) -> str:
    """The name of the cache file for rule files (their names and bytes) read by this
    cleaner."""
    digest = hashlib.sha256(_code_digest())
    for name, data in files:
        digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(hashlib.sha256(data).digest())
    return f"rules-{digest.hexdigest()[:40]}.json"


def read(key: str) -> dict[str, Any] | None:
    """The kept data under ``key``, or None (none kept, keeping off, or unreadable)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = json.loads((folder / key).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != _VERSION:
        return None
    return data


def write(key: str, data: dict[str, Any]) -> None:
    """Keep ``data`` under ``key`` (written whole or not at all); never raises for a
    directory that cannot be written."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".rules-", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({**data, "version": _VERSION}, fh)
            os.replace(tmp, folder / key)
        except BaseException:
            os.unlink(tmp)
            raise
        kept = sorted(folder.glob("rules-*.json"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
