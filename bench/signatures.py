"""MinHash signature throughput: cleaner's compiled path against datasketch and rensa.

A synthetic corpus of 400-word documents (words drawn from the id-news vocabulary
when the corpus is present, else from a made-up one) is signed by each method on one
core, all over the same word 4-gram shingles and the same num_perm. Each method is
timed --repeat times, the methods taking turns, and its best run is kept (the machine
is shared: a neighbour's load slows whichever method runs under it). Printed:
documents per second and the ratios to rensa and to datasketch bulk.

"From shingles/words" starts from what each library takes: datasketch and rensa the
shingles (bytes, str), cleaner the document's words. "From text" starts from the
text: tokenising and joining shingles counted for all.

    python bench/signatures.py [--docs 2000] [--num-perm 256] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from datasketch import MinHash  # noqa: E402

from cleaner.dedup import DedupConfig  # noqa: E402
from cleaner.dedup.index import Index  # noqa: E402
from cleaner.dedup.shingles import shingles, words  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "id-news"


def vocabulary() -> list[str]:
    vocab: set[str] = set()
    for path in sorted(CORPUS.glob("*.jsonl"))[:1]:
        for line in path.open(encoding="utf-8"):
            vocab.update(words(json.loads(line)["text"]))
            if len(vocab) > 50000:
                break
    return sorted(vocab) or [f"kata{i}" for i in range(50000)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--num-perm", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rnd = random.Random(3)
    vocab = vocabulary()
    docs = [" ".join(rnd.choice(vocab) for _ in range(400)) for _ in range(args.docs)]
    tokens = [words(d) for d in docs]
    grams = [list(shingles(t, 4)) for t in tokens]
    str_grams = [[g.decode("utf-8") for g in gs] for gs in grams]
    perms = args.num_perm
    few = max(1, args.docs // 20)  # datasketch update is slow: a twentieth of the docs
    sha1 = Index(DedupConfig(num_perm=perms, shingle=4, hash="sha1"))
    fast = Index(DedupConfig(num_perm=perms, shingle=4, hash="words32"))

    # every method's signature equals datasketch's for its configuration
    for index in (sha1, fast):
        for t, g in zip(tokens[:20], grams[:20], strict=True):
            reference = index.config.minhash()
            reference.update_batch(g)
            assert (index.signature(t)[1] == reference.hashvalues).all()

    def ds_update() -> None:
        for g in grams[:few]:
            m = MinHash(num_perm=perms)
            for s in g:
                m.update(s)

    methods: dict[str, tuple[int, Callable[[], object]]] = {
        "datasketch update": (few, ds_update),
        "datasketch update_batch":
            (args.docs, lambda: [MinHash(num_perm=perms).update_batch(g) for g in grams]),
        "datasketch bulk": (args.docs, lambda: MinHash.bulk(grams, num_perm=perms)),
    }
    try:
        import rensa

        def rensa_sign(items: list[list[str]]) -> None:
            for g in items:
                r = rensa.RMinHash(num_perm=perms, seed=1)
                r.update(g)
                r.digest()

        def rensa_text() -> None:
            rensa_sign([[g.decode("utf-8") for g in shingles(words(d), 4)] for d in docs])

        methods["rensa RMinHash (from shingles)"] = (args.docs, lambda: rensa_sign(str_grams))
        methods["rensa RMinHash (from text)"] = (args.docs, rensa_text)
    except ImportError:
        print("rensa not installed: pip install rensa to compare")
    methods["cleaner sha1 (from words)"] = (args.docs, lambda: [sha1.signature(t) for t in tokens])
    methods["cleaner words32 (from words)"] = (
        args.docs, lambda: [fast.signature(t) for t in tokens])
    methods["cleaner sha1 (from text)"] = (args.docs, lambda: [sha1.prepare(d) for d in docs])
    methods["cleaner words32 (from text)"] = (args.docs, lambda: [fast.prepare(d) for d in docs])

    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, (count, fn) in methods.items():
            start = time.perf_counter()
            fn()
            best[name] = max(best.get(name, 0.0), count / (time.perf_counter() - start))
    rensa_rate = best.get("rensa RMinHash (from shingles)")
    bulk = best["datasketch bulk"]
    print(f"{args.docs} documents of 400 words, word 4-gram shingles, num_perm {perms}, "
          f"one core of {os.cpu_count()}, best of {args.repeat}")
    for name, rate in best.items():
        vs_rensa = f"{rate / rensa_rate:>6.2f}x rensa" if rensa_rate else ""
        print(f"  {name:<32} {rate:>9,.0f} docs/s  {rate / bulk:>6.2f}x bulk  {vs_rensa}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
