"""Cleaning throughput on the id-news corpus, against baselines measured in the same run.

Every figure is taken on the same documents (all of ``id-news/*.jsonl`` in file order, or
the first ``--limit N``), in MB/s (UTF-8 bytes of the input ``text`` / seconds) and docs/s:

1. cleaner, library, 1 process: ``Cleaner().clean(text, source=..., url=...)`` over every
   document; only the clean loop is timed (rules are loaded and each outlet's matcher is
   compiled before it, by cleaning one document of each outlet, with a new Cleaner for
   each run: a matcher keeps what it found in short lines, which a second run over the
   same documents would find kept).
2. cleaner, whole process: ``cleaner clean INPUT -o OUT --workers 1`` and ``--workers N``
   (N = ``os.cpu_count()``) as subprocesses on a JSONL copy of the corpus (fields
   text/id/source/url) in a temp dir; wall time from start to exit, so interpreter start,
   JSON parsing, the removed-span report and writing are included. The outputs of the
   two are compared byte for byte.

Each cleaner method runs ``--repeat`` times (default 3) and its median is taken: a run
of a few seconds on a shared machine can land on a busy moment. datatrove runs once.
3. datatrove baseline, 1 process: ``C4QualityFilter``, ``GopherRepetitionFilter`` and
   ``FineWebQualityFilter`` with their default settings, applied in that order (a document
   rejected by one is not passed to the next; C4's line removal is seen by the later two,
   as in a datatrove pipeline) by calling each filter's ``filter(doc)`` directly on
   ``datatrove.data.Document`` objects. The executor, readers and writers are left out, to
   be fair to datatrove. It runs in a subprocess under ``--datatrove-python`` so that
   datatrove and spaCy stay out of the project venv; the tokenizer (spaCy) is loaded on one
   document before the timed loop. The filters default to English; ``--datatrove-language``
   (default ``ind``, Indonesian) picks the tokenizer datatrove assigns to the language:
   a blank spaCy pipeline for both ``ind`` and ``eng``.

The two do different jobs (cleaner removes spans from every document; the datatrove filters
keep or drop whole documents, C4 also drops lines), so the ratio compares the cost of a
cleaning pass, not equal outputs. The machine may be shared: run it with ``nice`` and
compare figures from one run only.

    python bench/clean_speed.py --datatrove-python /work/dtvenv/bin/python
    python bench/clean_speed.py --limit 500 --skip-cli          # quick check, no datatrove
    nice python bench/clean_speed.py --corpus /path/to/id-news --datatrove-python PY

The datatrove venv (outside the project venv; the filters also need ``regex`` and, for
their word and sentence splitting, ``spacy``, which datatrove does not install itself):

    python3 -m venv /work/dtvenv
    /work/dtvenv/bin/pip install datatrove regex spacy
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cleaner import Cleaner  # noqa: E402
from cleaner.stages import RuleTimeout  # noqa: E402

DEFAULT_CORPUS = (REPO / ".." / "shared" / "corpus" / "id-news").resolve()
RESULT_MARK = "CLEAN_SPEED_RESULT "

# Run with --datatrove-python: argv = [input.jsonl, language]; prints one RESULT_MARK line.
DATATROVE_WORKER = r'''
import json, sys, time
from importlib.metadata import version

from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4QualityFilter, FineWebQualityFilter, GopherRepetitionFilter)
from datatrove.utils.word_tokenizers import load_word_tokenizer

path, language = sys.argv[1], sys.argv[2]
records = [json.loads(line) for line in open(path, encoding="utf-8")]
out = {"datatrove": version("datatrove"), "language": language, "filters": []}
try:
    tok = load_word_tokenizer(language)
    out["tokenizer"] = f"{type(tok).__name__}({tok.language!r})"
    try:
        out["tokenizer"] += f", spacy {version('spacy')}"
    except Exception:
        pass
except Exception as e:
    out["tokenizer"] = f"none: {type(e).__name__}: {e}"


def make_docs():
    return [Document(text=r["text"], id=r["id"],
                     metadata={"source": r["source"], "url": r["url"]}) for r in records]


# Build each filter and try it on one document (this also loads the tokenizer); a filter
# that cannot be built or fails there is reported and left out of the timed loop.
filters = []
for cls in (C4QualityFilter, GopherRepetitionFilter, FineWebQualityFilter):
    entry = {"name": cls.__name__, "rejected": 0, "reasons": {}, "errors": 0}
    out["filters"].append(entry)
    try:
        f = cls(language=language)
        f.filter(make_docs()[0]) if records else None
    except Exception as e:
        entry["failed"] = f"{type(e).__name__}: {e}"
        continue
    filters.append((f, entry))

docs = make_docs()
start = time.perf_counter()
kept = 0
for doc in docs:
    for f, entry in filters:
        try:
            res = f.filter(doc)
        except Exception as e:
            entry["errors"] += 1
            entry.setdefault("first_error", f"{doc.id}: {type(e).__name__}: {e}")
            continue
        ok, reason = res if isinstance(res, tuple) else (res, None)
        if not ok:
            entry["rejected"] += 1
            entry["reasons"][reason or "?"] = entry["reasons"].get(reason or "?", 0) + 1
            break
    else:
        kept += 1
out["seconds"] = time.perf_counter() - start
out["kept"] = kept
out["docs"] = len(docs)
print("CLEAN_SPEED_RESULT " + json.dumps(out))
'''


@dataclass
class Row:
    method: str
    seconds: float
    workers: int = 1


def read_corpus(corpus: Path, limit: int | None) -> list[dict[str, Any]]:
    """Records of every ``*.jsonl`` in the corpus folder, in file order (as rule_cost.py)."""
    paths = sorted(corpus.glob("*.jsonl"))
    if not paths:
        raise SystemExit(f"no *.jsonl in {corpus} (see shared/corpus/SOURCES.md); "
                         "give the folder with --corpus")
    docs: list[dict[str, Any]] = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if limit is not None and len(docs) >= limit:
                    return docs
                docs.append(json.loads(line))
    return docs


def write_jsonl(docs: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for d in docs:
            rec = {"text": d["text"], "id": d.get("id"), "source": d.get("source"),
                   "url": d.get("url")}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def warm_cleaner(docs: list[dict[str, Any]]) -> Cleaner:
    """A new Cleaner with the matcher of each outlet's site pack compiled (one document
    per outlet cleaned): what a run over the corpus pays once, kept out of the timing.
    Each timed run gets its own, so none starts with what another's matcher kept of the
    lines it met."""
    cleaner = Cleaner()
    seen: set[Any] = set()
    for d in docs:
        if d.get("source") not in seen:
            seen.add(d.get("source"))
            try:
                cleaner.clean(d["text"], source=d.get("source"), url=d.get("url"))
            except RuleTimeout:
                pass
    return cleaner


def bench_library(docs: list[dict[str, Any]], repeat: int) -> tuple[float, str]:
    times = []
    for _ in range(repeat):
        cleaner = warm_cleaner(docs)
        removed = timeouts = touched = 0
        start = time.perf_counter()
        for d in docs:
            try:
                result = cleaner.clean(d["text"], source=d.get("source"), url=d.get("url"))
            except RuleTimeout:
                timeouts += 1
                continue
            if result.removed:
                touched += 1
                removed += result.removed_chars
        times.append(time.perf_counter() - start)
    note = (f"{touched:,} of {len(docs):,} documents had spans removed, "
            f"{removed:,} characters in all; {timeouts:,} rule timeouts; {spread(times)}")
    return statistics.median(times), note


def spread(times: list[float]) -> str:
    return (f"median of {len(times)} runs" + (f" ({min(times):.2f} to {max(times):.2f} s)"
                                              if len(times) > 1 else ""))


def cleaner_command() -> list[str]:
    script = Path(sys.executable).parent / "cleaner"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cleaner"]


def bench_cli(data: Path, tmp: Path, workers: int, repeat: int) -> tuple[float | None, str]:
    out = tmp / f"out-{workers}.jsonl"
    cmd = [*cleaner_command(), "clean", str(data), "-o", str(out), "--workers", str(workers)]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):  # 1: some documents rejected, still a full run
            return None, f"failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}"
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    return statistics.median(times), f"{last} [{spread(times)}]"


def bench_datatrove(python: str | None, data: Path,
                    language: str) -> tuple[dict[str, Any] | None, str]:
    if not python:
        return None, ("skipped: no --datatrove-python given (see the module docstring "
                      "for how to make the venv)")
    if not Path(python).exists():
        return None, f"skipped: {python} does not exist"
    proc = subprocess.run([python, "-c", DATATROVE_WORKER, str(data), language],
                          capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):]), ""
    return None, f"failed (exit {proc.returncode}): {proc.stderr.strip()[-800:]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                    help=f"id-news folder (default: {DEFAULT_CORPUS})")
    ap.add_argument("--limit", type=int, default=None, metavar="N",
                    help="only the first N documents")
    ap.add_argument("--datatrove-python", metavar="PATH",
                    help="python of a venv with datatrove, regex and spacy installed")
    ap.add_argument("--datatrove-language", default="ind", metavar="CODE",
                    help="language= for the datatrove filters (default: ind; theirs: eng)")
    ap.add_argument("--skip-cli", action="store_true", help="leave out the CLI runs")
    ap.add_argument("--repeat", type=int, default=3, metavar="N",
                    help="run each cleaner method N times and take the median (default 3; "
                         "datatrove runs once: it takes minutes, which evens out the load)")
    args = ap.parse_args()

    docs = read_corpus(args.corpus, args.limit)
    n_docs = len(docs)
    mb = sum(len(d["text"].encode("utf-8")) for d in docs) / 1e6
    cores = os.cpu_count() or 1
    files = len(list(args.corpus.glob("*.jsonl")))
    print(f"corpus: {args.corpus} ({files} files), {n_docs:,} documents, "
          f"{mb:.2f} MB of text (UTF-8)")
    print(f"cores (os.cpu_count()): {cores}")
    from cleaner.cache import cache_dir

    kept = cache_dir()
    print(f"rules cache: {kept} (each cleaner process reads back what loading the rules "
          "works out; CLEANER_CACHE=off measures without it)" if kept else
          "rules cache: off (each cleaner process works the rules out again)")

    rows: list[Row] = []
    notes: list[str] = []
    spent, note = bench_library(docs, args.repeat)
    rows.append(Row("cleaner library, 1 process", spent))
    notes.append(f"cleaner library: {note}")

    dt_row: Row | None = None
    with tempfile.TemporaryDirectory(prefix="clean_speed-") as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "input.jsonl"
        write_jsonl(docs, data)
        if args.skip_cli:
            notes.append("cleaner CLI: skipped (--skip-cli)")
        else:
            for workers in sorted({1, cores}):
                spent_cli, summary = bench_cli(data, tmp, workers, args.repeat)
                label = f"cleaner CLI --workers {workers}, whole process"
                if spent_cli is None:
                    notes.append(f"{label}: {summary}")
                    continue
                rows.append(Row(label, spent_cli, workers))
                notes.append(f"{label}: {summary}")
            outputs = [tmp / f"out-{w}.jsonl" for w in sorted({1, cores})]
            if len(outputs) > 1 and all(o.exists() for o in outputs):
                same = outputs[0].read_bytes() == outputs[1].read_bytes()
                notes.append(f"output of --workers 1 and --workers {cores}: "
                             + ("identical, byte for byte" if same else "DIFFERENT"))
        result, why = bench_datatrove(args.datatrove_python, data, args.datatrove_language)

    if result is None:
        notes.append(f"datatrove: {why}")
    else:
        used = [f["name"] for f in result["filters"] if "failed" not in f]
        short = "+".join(n.replace("QualityFilter", "").replace("RepetitionFilter", "Rep")
                         for n in used)
        dt_row = Row(f"datatrove {short or 'no filters'}, 1 process", result["seconds"])
        notes.append(f"datatrove {result['datatrove']}: language={result['language']!r}, "
                     f"tokenizer {result['tokenizer']}; filter() called directly in a loop")
        for f in result["filters"]:
            if "failed" in f:
                notes.append(f"  {f['name']}: failed, left out: {f['failed']}")
                continue
            reasons = ", ".join(f"{r} {n:,}" for r, n in
                                sorted(f["reasons"].items(), key=lambda kv: -kv[1]))
            errors = (f"; {f['errors']:,} errors (first: {f['first_error']})"
                      if f["errors"] else "")
            notes.append(f"  {f['name']}: rejected {f['rejected']:,}"
                         + (f" ({reasons})" if reasons else "") + errors)
        notes.append(f"  kept by all: {result['kept']:,} of {result['docs']:,}")

    table = rows + ([dt_row] if dt_row else [])
    dt_mbs = mb / dt_row.seconds if dt_row and dt_row.seconds else None
    width = max(len(r.method) for r in table)
    print()
    print(f"{'method':<{width}} {'seconds':>8} {'MB/s':>7} {'docs/s':>8} {'x datatrove':>11}")
    for r in table:
        mbs = mb / r.seconds if r.seconds else float("inf")
        ratio = f"{mbs / dt_mbs:.2f}" if dt_mbs else "-"
        print(f"{r.method:<{width}} {r.seconds:>8.2f} {mbs:>7.2f} "
              f"{n_docs / r.seconds if r.seconds else float('inf'):>8.1f} {ratio:>11}")
    for r in rows:
        if r.workers > 1:
            per_core = mb / r.seconds / r.workers
            ratio = f" ({per_core / dt_mbs:.2f}x datatrove, 1 process)" if dt_mbs else ""
            print(f"MB/s per core, cleaner CLI --workers {r.workers}: {per_core:.2f}{ratio}")
    print()
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
