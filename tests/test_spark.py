"""The Spark engine against the local engine: on the same input, the same records, the
same removed spans, the same rejects, the same clusters and kept documents, in the same
order. Spark runs in local mode (one session for the whole test run); the command line
is called in-process, and once as a subprocess.

CI installs the spark extra, so there these tests run; elsewhere without PySpark they
are skipped.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CORPUS, FIXTURES, REPO

try:
    import pyspark  # noqa: F401
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("PySpark is not installed (pip install '.[test,spark]')",
                allow_module_level=True)

from cleaner import cli  # noqa: E402

CASES = [json.loads(x) for x in (FIXTURES / "outlets" / "cases.jsonl").open(encoding="utf-8")]


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("cleaner-tests")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.default.parallelism", "2")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _edit(text: str, seed: int) -> str:
    """A near-duplicate: a few words changed and one line left out."""
    rnd = random.Random(seed)
    lines = text.split("\n")
    if len(lines) > 4:
        del lines[rnd.randrange(1, len(lines))]
    words = "\n".join(lines).split(" ")
    for _ in range(max(1, len(words) // 40)):
        words[rnd.randrange(len(words))] = rnd.choice(["kemarin", "hari", "ini", "juga"])
    return " ".join(words)


def _head(text: str, share: float) -> str:
    lines = text.split("\n")
    return "\n".join(lines[: max(2, int(len(lines) * share))])


def dedup_input(root: Path) -> list[str]:
    """Inputs with every kind of duplicate and of bad input, over several file kinds:
    the outlet cases, re-scrapes, edited copies (a chain of them), truncated copies and
    their exact copies, repeated ids, and broken lines, a missing file and a file of an
    unsupported kind. Returns the input paths, in order."""
    by_id = {c["id"]: c for c in CASES}
    main: list[object] = []
    for n, case in enumerate(CASES):
        main.append(dict(case, published=f"{18 + n % 3} Juni 2025 {10 + n % 12}:15 WIB"))
    big = by_id["kapanlagi-kapanlagi-0001"]
    longer = by_id["kapanlagi-kapanlagi-0002"]
    main += [
        dict(big, id="rescrape-1", published="17 Juni 2025 08:00 WIB"),  # exact copy
        dict(big, id="edit-1", text=_edit(big["text"], 1), source="antara"),
        dict(longer, id="truncated-1", text=_head(longer["text"], 0.25)),  # contained
        dict(longer, id="truncated-1-copy", text=_head(longer["text"], 0.25)),
        {"id": "same-id", "text": _edit(by_id["detik-detik-0097"]["text"], 3)},
        {"id": "same-id", "text": _edit(by_id["detik-detik-0097"]["text"], 4)},
        {"text": by_id["kompas-kompas-0005"]["text"]},  # no id: a stable one from the text
        {"id": "x", "text": by_id["liputan6-liputan6-0118"]["text"]},
        {"id": "x", "text": by_id["liputan6-liputan6-0118"]["text"]},  # becomes x#N
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in main]
    lines[3:3] = ["{not json", "[1, 2]", json.dumps({"id": "no-text"}), "",
                  json.dumps({"id": "bad-text", "text": 5}),
                  json.dumps({"id": "blank", "text": "  \n "})]
    a = root / "a.jsonl"
    a.write_bytes(("\n".join(lines) + "\n").encode("utf-8")
                  + b'{"id": "latin1", "text": "caf\xe9"}\n')
    # a later file: a chain of edits of one article, and a copy of an earlier one
    chain_base = by_id["kapanlagi-kapanlagi-0002"]["text"]
    step1 = _edit(chain_base, 11)
    step2 = _edit(step1, 12)
    later = [
        {"id": "chain-1", "text": step1, "source": "tempo"},
        {"id": "chain-2", "text": step2, "source": "detik"},
        {"id": "x#1", "text": by_id["tribun-tribun-0137"]["text"]},
        dict(by_id["okezone-2025-06-18-0715"], id="rescrape-2"),
    ]
    with gzip.open(root / "b.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in later)
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [dict(by_id["republika-2025-06-20-1739"], id="pq-1"),
            dict(by_id["tribun-tribun-0158"], id="pq-2", text=_edit(
                by_id["tribun-tribun-0158"]["text"], 5))]
    pq.write_table(pa.Table.from_pylist(rows), root / "c.parquet")
    (root / "notes.md").write_text("not an input", encoding="utf-8")
    return [str(a), str(root / "b.jsonl.gz"), str(FIXTURES / "seeds" / "input"),
            str(root / "missing.jsonl"), str(root / "c.parquet"), str(root / "notes.md")]


def _read(path: Path) -> list:
    """What a run wrote: JSONL lines (a file, or a directory's part files in name
    order), or Parquet rows."""
    if not path.exists():
        return []
    files = sorted(p for p in path.iterdir() if p.name.startswith("part-")) \
        if path.is_dir() else [path]
    if str(path).endswith(".parquet"):
        import pyarrow.parquet as pq

        return [row for f in files for row in pq.read_table(f).to_pylist()]
    out: list = []
    for f in files:
        data = gzip.decompress(f.read_bytes()) if f.name.endswith(".gz") else f.read_bytes()
        out += data.decode("utf-8").splitlines()
    return out


def run_both(tmp_path: Path, capsys, spark, command: str, inputs: list[str], *options: str,
             out_name: str = "out.jsonl") -> dict[str, dict]:
    """Run ``command`` with each engine; what each wrote, its exit code and summary."""
    results = {}
    for engine in ("local", "spark"):
        d = tmp_path / engine
        d.mkdir()
        args = [command, *inputs, *options, "-o", str(d / out_name), "--rejects",
                str(d / "rejects.jsonl")]
        if command != "clean":
            args += ["--clusters", str(d / "clusters.jsonl")]
        args += ["--workers", "1"] if engine == "local" else ["--engine", "spark"]
        code = cli.main(args)
        err = capsys.readouterr().err
        results[engine] = {
            "code": code, "out": _read(d / out_name), "rejects": _read(d / "rejects.jsonl"),
            "clusters": _read(d / "clusters.jsonl"),
            "summary": [x for x in err.splitlines()
                        if x.startswith("cleaner:") and "spark:" not in x],
            "err": err,
        }
        if engine == "spark":
            spark.catalog.clearCache()
    return results


def assert_same(results: dict[str, dict]) -> None:
    local, spark = results["local"], results["spark"]
    for key in ("code", "summary", "out", "rejects", "clusters"):
        assert spark[key] == local[key], key


def test_run_same_as_local_engine(tmp_path, capsys, spark):
    inputs = dedup_input(tmp_path)
    results = run_both(tmp_path, capsys, spark, "run", inputs)
    assert_same(results)
    local = results["local"]
    records = [json.loads(x) for x in local["out"]]
    clusters = [json.loads(x) for x in local["clusters"]]
    # the fixture exercises every kind of decision
    assert {k for c in clusters for k in c["kinds"]} == {"exact", "near"}
    assert any(len(c["members"]) >= 3 for c in clusters)
    assert any("contained_in" in r for r in records)
    assert sum("duplicate_of" in r for r in records) >= 5
    members = {i for c in clusters for i in c["members"]}
    assert "same-id" in members and any(i.startswith("same-id#") for i in members)
    reasons = [json.loads(x)["reason"] for x in local["rejects"]]
    assert len(reasons) == 8 and "no such file" in reasons
    origins = [json.loads(x)["origin"] for x in local["rejects"]]
    assert f"{inputs[0]}:4" in origins  # file and line
    assert "spark: clusters by connected components" in results["spark"]["err"]


def test_repeated_ids_are_renamed_as_locally(tmp_path, capsys, spark):
    """A repeated id gets ``#n``; an id repeated by a renamed one is renamed again."""
    text = CASES[2]["text"]
    src = tmp_path / "ids.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": text}) + "\n"
                           for i in ("x", "x", "x#1", "y")), encoding="utf-8")
    results = run_both(tmp_path, capsys, spark, "dedup", [str(src)])
    assert_same(results)
    (cluster,) = [json.loads(x) for x in results["local"]["clusters"]]
    assert cluster["members"] == ["x", "x#1", "x#1#2", "y"]


def test_run_policies_drop_and_flags_same_as_local(tmp_path, capsys, spark):
    inputs = dedup_input(tmp_path)
    results = run_both(tmp_path, capsys, spark, "run", inputs, "--keep", "earliest", "--drop",
                       "--drop-flagged", "too_short")
    assert_same(results)
    rejects = [json.loads(x) for x in results["local"]["rejects"]]
    assert any(r["reason"].startswith("duplicate of") for r in rejects)
    assert any(r["reason"].startswith("flagged:") for r in rejects)
    m = re.search(r"([\d,]+) documents in, ([\d,]+) out, ([\d,]+) dropped, ([\d,]+) rejected",
                  results["spark"]["err"])
    docs_in, out, dropped, rejected = (int(x.replace(",", "")) for x in m.groups())
    assert docs_in == out + dropped + rejected
    assert out == len(results["spark"]["out"]) and dropped + rejected == len(rejects)


def test_nothing_readable_same_as_local(tmp_path, capsys, spark):
    empty = tmp_path / "empty"
    empty.mkdir()
    results = run_both(tmp_path, capsys, spark, "run", [str(tmp_path / "nope.jsonl"), str(empty)])
    assert_same(results)
    assert results["local"]["code"] == 1 and len(results["local"]["rejects"]) == 2


@pytest.mark.parametrize("options", [("--keep", "longest"),
                                     ("--prefer", "antara,detik", "--hash", "words32")])
def test_dedup_same_as_local_on_cleaned_parts(tmp_path, capsys, spark, options):
    """dedup reads the clean output, part files included, and decides as locally."""
    cleaned = tmp_path / "cleaned.jsonl"
    assert cli.main(["clean", *dedup_input(tmp_path)[:3], "-o", str(cleaned),
                     "--workers", "1"]) == 1
    capsys.readouterr()
    results = run_both(tmp_path, capsys, spark, "dedup", [str(cleaned)], *options)
    assert_same(results)
    assert results["local"]["clusters"]


def test_clean_parquet_same_as_local(tmp_path, capsys, spark):
    inputs = dedup_input(tmp_path)
    results = run_both(tmp_path, capsys, spark, "clean", inputs, out_name="out.parquet")
    assert_same(results)
    out = results["local"]["out"]
    assert len(out) > 30 and all(isinstance(r["removed"], list) for r in out)


def test_cli_subprocess_with_master(tmp_path):
    """As a user runs it: a Spark session of its own on the master given."""
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in CASES[:6]) +
                   json.dumps(dict(CASES[0], id="copy")) + "\n", encoding="utf-8")
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    local = subprocess.run([sys.executable, "-m", "cleaner", "run", str(src), "--workers", "1"],
                           capture_output=True, cwd=REPO, timeout=300)
    remote = subprocess.run([sys.executable, "-m", "cleaner", "run", str(src), "--engine", "spark",
                             "--spark-master", "local[1]"],
                            capture_output=True, cwd=REPO, timeout=600, env=env)
    assert remote.returncode == local.returncode == 0, remote.stderr.decode()[-2000:]
    assert remote.stdout == local.stdout  # records on stdout, in order, through the driver
    assert "1 exact and 0 near-duplicate clusters" in remote.stderr.decode()


def test_without_engine_pyspark_is_not_imported():
    code = ("import sys; from cleaner.cli import main; "
            "main(['clean', 'fixtures/seeds/input', '-o', '/dev/null', '--workers', '1']); "
            "sys.exit(3 if 'pyspark' in sys.modules else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()


def test_missing_pyspark_is_a_usage_error_naming_the_extra():
    code = ("import sys; sys.modules['pyspark'] = None; from cleaner.cli import main; "
            "sys.exit(main(['run', 'fixtures/seeds/input', '--engine', 'spark']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO,
                          timeout=300)
    assert proc.returncode == 2
    assert "pip install 'cleaner[spark]'" in proc.stderr.decode()


@pytest.mark.parametrize("args", [["run", "fixtures/seeds/input", "--spark-master", "local"],
                                  ["clean", "-", "--engine", "spark"]])
def test_spark_usage_errors(args, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(args)
    assert exc.value.code == 2
    assert "spark" in capsys.readouterr().err


def test_connected_components_converge_on_a_chain_of_10000(spark):
    """A line of 10,000 documents, numbered in random order along the line: every node
    ends with the smallest label, in a few rounds, and no edge list reaches the driver."""
    from cleaner.spark.components import connected_components

    nodes = list(range(10_000))
    random.Random(3).shuffle(nodes)
    edges = spark.createDataFrame(list(zip(nodes, nodes[1:], strict=False)), "a long, b long")
    labels, rounds = connected_components(edges)
    roots = {r["root"]: r["count"] for r in labels.groupBy("root").count().collect()}
    print(f"\n10,000-node chain: {rounds} rounds")
    assert roots == {0: 10_000}
    assert rounds <= 20


def test_connected_components_equal_union_find(spark):
    from cleaner.dedup.clusters import _find
    from cleaner.spark.components import connected_components

    rnd = random.Random(11)
    edges = [(rnd.randrange(400), rnd.randrange(400)) for _ in range(300)]
    parent = list(range(400))
    for a, b in edges:
        ra, rb = _find(parent, a), _find(parent, b)
        parent[max(ra, rb)] = min(ra, rb)
    expected = {n: _find(parent, n) for a, b in edges for n in (a, b) if a != b}
    labels, _ = connected_components(spark.createDataFrame(edges, "a long, b long"))
    assert {r["node"]: r["root"] for r in labels.collect()} == expected


def test_candidates_keep_the_max_bucket_rule(spark):
    """Buckets of more than MAX_BUCKET members pair each member with the MAX_BUCKET
    before it, as the local candidate_pairs does."""
    import numpy as np

    from cleaner.dedup import DedupConfig
    from cleaner.dedup.index import band_keys, candidate_pairs
    from cleaner.spark.dedup import candidates

    config = DedupConfig(num_perm=32)
    lsh = config.lsh()
    rng = np.random.default_rng(5)
    sigs = rng.integers(0, 2, size=(300, 32)).astype(np.uint32)  # few distinct band values
    expected = {tuple(p) for p in candidate_pairs(band_keys(sigs, lsh.b, lsh.r)).tolist()}
    rows = [(n, s.tobytes()) for n, s in enumerate(sigs)]
    got = candidates(spark.createDataFrame(rows, "n long, sig binary"), config, sigs.dtype)
    pairs = {(r["i"], r["j"]) for r in got.collect()}
    assert pairs == expected
    assert len(expected) < 300 * 299 // 2  # the rule did leave pairs out


def corpus_sample(n: int) -> list[str]:
    files = sorted((CORPUS / "id-news").glob("*.jsonl"))
    if not files:
        pytest.skip("corpus not present at ../shared/corpus/id-news")
    with files[0].open(encoding="utf-8") as fh:
        return [line for _, line in zip(range(n), fh, strict=False)]


def test_run_same_as_local_on_a_corpus_sample(tmp_path, capsys, spark):
    """The first 1,500 articles of the id-news corpus (re-scrapes and republished press
    releases among them)."""
    src = tmp_path / "sample.jsonl"
    src.write_text("".join(corpus_sample(1500)), encoding="utf-8")
    results = run_both(tmp_path, capsys, spark, "run", [str(src)])
    assert_same(results)
    assert len(results["local"]["clusters"]) > 10
