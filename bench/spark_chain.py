"""A chain of N near-duplicate documents, deduplicated by both engines.

Document i holds words 10*i .. 10*i+39 of a synthetic vocabulary, so each document is a
near duplicate of the next (estimated Jaccard about 0.57) and not of the one after
(about 0.30, under the 0.35 threshold; a few such links pass on noise): one cluster of
N documents whose links form a line, the worst case for label propagation. Documents
are written in shuffled order. The script runs ``cleaner dedup`` with the local engine
and with ``--engine spark``, and prints wall times, the connected-components rounds,
the cluster sizes, and whether the clusters files are identical.

    python bench/spark_chain.py [--n 10000] [--master 'local[2]']
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build(path: Path, n: int) -> None:
    order = list(range(n))
    random.Random(n).shuffle(order)
    with path.open("w", encoding="utf-8") as fh:
        for i in order:
            words = " ".join(f"w{k}" for k in range(10 * i, 10 * i + 40))
            fh.write(json.dumps({"id": f"c{i:05d}", "text": words}) + "\n")


def lines(path: Path) -> list[str]:
    files = sorted(p for p in path.iterdir() if p.name.startswith("part-")) \
        if path.is_dir() else [path]
    return [x for f in files for x in f.read_text(encoding="utf-8").splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "chain.jsonl"
        build(src, args.n)
        runs = {"local": ["--workers", "1"],
                "spark": ["--engine", "spark", "--spark-master", args.master]}
        clusters = {}
        for engine, extra in runs.items():
            out, cl = root / f"{engine}.jsonl", root / f"{engine}-clusters.jsonl"
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "cleaner", "dedup", str(src), "-o",
                                   str(out), "--clusters", str(cl), *extra],
                                  capture_output=True, text=True, check=True)
            took = time.perf_counter() - start
            clusters[engine] = lines(cl)
            sizes = sorted((len(json.loads(x)["members"]) for x in clusters[engine]),
                           reverse=True)
            notes = [x for x in proc.stderr.splitlines() if x.startswith("cleaner:")]
            print(f"{engine}: {took:.1f} s, clusters {sizes[:5]}")
            for note in notes:
                print("   ", note)
        print("clusters identical:", clusters["local"] == clusters["spark"])


if __name__ == "__main__":
    main()
