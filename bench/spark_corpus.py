"""`cleaner run` on the whole id-news corpus with the local engine and with Spark.

Runs ``cleaner run`` over ``id-news/*.jsonl`` with ``-o``, ``--clusters`` and
``--rejects``: once with the local engine (``--workers N``, all cores by default) and
once with ``--engine spark --spark-master MASTER``. Prints each one's wall time and
peak memory (the summed RSS of the whole process tree, JVM and Python workers included,
sampled every 0.2 s), the ratio of the two, and whether the outputs, rejects and
clusters files are byte-identical (Spark's part files joined in name order).

    python bench/spark_corpus.py [--master 'local[*]'] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "id-news"
OUTPUTS = ("out.jsonl", "clusters.jsonl", "rejects.jsonl")


def tree_rss(root: int) -> int:
    """Summed resident memory (bytes) of ``root`` and all its descendants."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            parent[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(p for p, pp in parent.items() if pp == pid)
    return total


def timed(command: list[str]) -> tuple[float, float]:
    """Run ``command``; return (seconds, peak tree RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, tree_rss(proc.pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = proc.communicate()
    secs = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed:\n{err.decode(errors='replace')}")
    return secs, peak / 1e6


def joined(path: Path) -> bytes:
    """A file's bytes, or a Spark output directory's part files joined in name order."""
    if path.is_dir():
        return b"".join(p.read_bytes() for p in sorted(path.glob("part-*")))
    return path.read_bytes()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--master", default="local[*]")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    inputs = [str(p) for p in sorted(CORPUS.glob("*.jsonl"))]
    cleaner = [sys.executable, "-m", "cleaner", "run", *inputs]
    print(f"{len(inputs)} files of {CORPUS}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        runs = {"local": ["--workers", str(args.workers)],
                "spark": ["--engine", "spark", "--spark-master", args.master]}
        figures = {}
        for name, extra in runs.items():
            out = Path(tmp) / name
            out.mkdir()
            figures[name] = timed(cleaner + extra + [
                "-o", str(out / OUTPUTS[0]), "--clusters", str(out / OUTPUTS[1]),
                "--rejects", str(out / OUTPUTS[2])])
            print(f"{name:<6} {' '.join(extra):<40} {figures[name][0]:7.1f} s "
                  f"{figures[name][1]:8,.0f} MB peak")
        (ls, lm), (ss, sm) = figures["local"], figures["spark"]
        print(f"spark / local: time {ss / ls:.2f}x, memory {sm / lm:.2f}x")
        for name in OUTPUTS:
            same = joined(Path(tmp) / "local" / name) == joined(Path(tmp) / "spark" / name)
            print(f"{name}: {'identical' if same else 'DIFFERENT'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
