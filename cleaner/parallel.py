"""Clean (or sign for dedup) documents in worker processes, in input order, with
bounded memory.

Each worker builds its own Cleaner once (rule packs are loaded per process); chunks of
documents go out and results come back in the order they were sent, so the output is
the same as with one worker, byte for byte. At most ``workers * 4`` chunks are in
flight, so memory does not grow with the input.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .core import Cleaner
from .dedup import DedupConfig
from .dedup.index import Index, Prepared
from .model import CleanResult, RemovedSpan
from .stages import RuleTimeout

CHUNK = 64
_worker: Cleaner | None = None
_signer: Index | None = None


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _init(settings: dict[str, Any] | None, dedup: dict[str, Any] | None) -> None:
    global _worker, _signer
    if settings is not None:  # else a forked worker has the parent's Cleaner already
        _worker = Cleaner(**settings)
    _signer = Index(DedupConfig(**dedup)) if dedup is not None else None


def clean_one(cleaner: Cleaner, signer: Index | None, text: str, source: str | None,
              url: str | None) -> tuple[CleanResult | str, Prepared | None]:
    """Clean one document, and sign the cleaned text for dedup when a ``signer`` is
    given: (result, prepared), or (the RuleTimeout message, None)."""
    try:
        result = cleaner.clean(text, source=source, url=url)
    except RuleTimeout as exc:
        return str(exc), None
    return result, signer.prepare(result.text) if signer is not None else None


Packed = tuple[str, tuple[tuple[int, int, str, str], ...], str | None, tuple[str, ...],
               dict[str, float], tuple[str, ...]]
"""A CleanResult without what the parent has already (the original text, and so the
removed spans' texts): less to pickle and send back."""


def _pack(result: CleanResult | str) -> Packed | str:
    if isinstance(result, str):
        return result
    return (result.text, tuple((s.start, s.end, s.rule, s.category) for s in result.removed),
            result.site, result.packs, result.quality, result.flags)


def _unpack(packed: Packed | str, original: str) -> CleanResult | str:
    if isinstance(packed, str):
        return packed
    text, spans, site, packs, quality, flags = packed
    removed = tuple(RemovedSpan(a, b, rule, category, original[a:b])
                    for a, b, rule, category in spans)
    return CleanResult(text, removed, original, site, packs, quality, flags)


def _clean_chunk(items: list[tuple[str, str | None, str | None]]
                 ) -> list[tuple[Packed | str, Prepared | None]]:
    assert _worker is not None
    out = []
    for text, source, url in items:
        result, prepared = clean_one(_worker, _signer, text, source, url)
        out.append((_pack(result), prepared))
    return out


def _sign_chunk(texts: list[str]) -> list[Prepared]:
    assert _signer is not None
    return [_signer.prepare(text) for text in texts]


def _ordered(items: Iterable[Any], payload: Callable[[Any], Any],
             work: Callable[[list[Any]], list[Any]], workers: int,
             initargs: tuple[dict[str, Any] | None, dict[str, Any] | None],
             cleaner: Cleaner | None = None) -> Iterator[tuple[Any, Any]]:
    """Yield ``(item, result)`` in input order, ``work`` running in ``workers`` processes
    on chunks of ``payload(item)``; at most ``workers * 4`` chunks are in flight. Forked
    workers inherit ``cleaner`` (built from ``initargs[0]``) instead of building one."""
    import multiprocessing as mp  # here: a one-worker run never needs it

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    global _worker
    if cleaner is not None and ctx.get_start_method() == "fork":
        _worker = cleaner  # forked workers start with it: no rule loading in each
        initargs = (None, initargs[1])
    with ctx.Pool(workers, initializer=_init, initargs=initargs) as pool:
        pending: deque[tuple[list[Any], Any]] = deque()
        chunk: list[Any] = []

        def submit() -> None:
            pending.append((chunk[:], pool.apply_async(work, ([payload(i) for i in chunk],))))
            chunk.clear()

        for item in items:
            chunk.append(item)
            if len(chunk) == CHUNK:
                submit()
                while len(pending) > workers * 4:
                    done, result = pending.popleft()
                    yield from zip(done, result.get(), strict=True)
        if chunk:
            submit()
        while pending:
            done, result = pending.popleft()
            yield from zip(done, result.get(), strict=True)


def clean_parallel(items: Iterable[Any], texts: Any, cleaner: Cleaner, workers: int,
                   dedup: DedupConfig | None = None
                   ) -> Iterator[tuple[Any, tuple[CleanResult | str, Prepared | None]]]:
    """Yield ``(item, (result, prepared))`` in input order, cleaned as ``cleaner`` does;
    ``texts(item)`` gives (text, source, url). A result is a CleanResult, or the message
    of a RuleTimeout. With a ``dedup`` configuration the workers also sign the cleaned
    text (``prepared``)."""
    dedup_settings = dedup.to_dict() if dedup is not None else None
    for item, (packed, prepared) in _ordered(items, texts, _clean_chunk, workers,
                                             (cleaner.settings, dedup_settings), cleaner):
        yield item, (_unpack(packed, texts(item)[0]), prepared)


def sign_parallel(items: Iterable[Any], text: Callable[[Any], str], config: DedupConfig,
                  workers: int) -> Iterator[tuple[Any, Prepared]]:
    """Yield ``(item, prepared)`` in input order: dedup's exact key, shingle count and
    signature of ``text(item)``, computed in ``workers`` processes."""
    yield from _ordered(items, text, _sign_chunk, workers, (None, config.to_dict()))
