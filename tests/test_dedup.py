"""Dedup: exact and near duplicates, containment, verification, clusters, keep policies."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from cleaner import DedupConfig, KeepPolicy, deduplicate, find_duplicates
from cleaner.dedup import parse_published
from cleaner.dedup.index import Index, band_keys, candidate_pairs

from .conftest import run_cli

rnd = random.Random(11)
VOCAB = [f"kata{i}" for i in range(3000)]


def sentence(n: int = 14) -> str:
    return " ".join(rnd.choice(VOCAB) for _ in range(n)).capitalize() + "."


STORY = [sentence() for _ in range(12)]
BASE = "\n".join(STORY)
OTHER = "\n".join(sentence() for _ in range(12))


def rec(i: str, text: str, **kw) -> dict:
    return {"id": i, "text": text, **kw}


def test_config_builds_matching_minhash_and_lsh():
    config = DedupConfig(num_perm=64, seed=7)
    m = config.minhash()
    assert len(m.hashvalues) == 64 and m.seed == 7 and m.scheme == "affine32"
    assert config.lsh().h == 64
    with pytest.raises(ValueError, match="threshold"):
        DedupConfig(threshold=0.0)
    with pytest.raises(ValueError, match="candidate_threshold"):
        DedupConfig(threshold=0.3, candidate_threshold=0.5)
    with pytest.raises(ValueError, match="scheme"):
        DedupConfig(scheme="md5")
    with pytest.raises(ValueError, match="affine32"):
        DedupConfig(hash="words32", scheme="affine64")
    # the default hash: words32, and sha1 where words32 cannot serve (64-bit values)
    assert DedupConfig().hash == "words32" and DedupConfig(scheme="legacy").hash == "words32"
    assert DedupConfig(scheme="affine64").hash == "sha1"


def test_exact_duplicate_ignores_case_punctuation_and_spacing():
    copy = BASE.upper().replace(".", " !").replace("\n", "\n\n")
    matches = list(find_duplicates([rec("a", BASE), rec("b", copy), rec("c", OTHER)]))
    assert [(m.a_id, m.b_id, m.kind, m.similarity) for m in matches] == [("a", "b", "exact", 1.0)]


def test_edited_copy_is_near_duplicate_and_different_story_is_not():
    lead = "Kabar terbaru dari redaksi kami hari ini soal peristiwa itu."
    edited = "\n".join([lead] + STORY[2:8] + STORY[9:])  # new lead, a sentence cut
    matches = list(find_duplicates([rec("a", BASE), rec("b", edited), rec("c", OTHER)]))
    assert [(m.a_id, m.b_id, m.kind) for m in matches] == [("a", "b", "near")]
    assert matches[0].similarity >= DedupConfig().threshold


def test_truncated_copy_is_contained():
    long = BASE + "\n" + "\n".join(sentence() for _ in range(20))
    short = "\n".join(STORY[:9])
    matches = list(find_duplicates([rec("long", long), rec("short", short)]))
    assert [(m.a_id, m.b_id, m.kind) for m in matches] == [("short", "long", "contained")]
    assert matches[0].containment >= DedupConfig().containment
    result = deduplicate([rec("long", long), rec("short", short)])
    assert result.fields[1]["contained_in"]["id"] == "long"
    assert "duplicate_of" not in result.fields[1]


def test_candidates_below_threshold_are_not_linked():
    # Share a third of the sentences: LSH at the candidate threshold may propose the
    # pair, verification must refuse it.
    half = "\n".join(STORY[:4] + [sentence() for _ in range(8)])
    config = DedupConfig(candidate_threshold=0.05)
    index = Index(config)
    index.add("a", BASE)
    index.add("b", half)
    pairs = candidate_pairs(band_keys(index.signatures(), index.bands, index.rows))
    assert pairs.tolist() == [[0, 1]]  # proposed ...
    assert index.matches() == []  # ... and refused


def test_short_texts_only_exact():
    result = deduplicate([rec("a", "Harga naik."), rec("b", "Harga naik hari ini."),
                          rec("c", "harga NAIK")])
    assert [(m.a_id, m.b_id, m.kind) for m in result.matches] == [("a", "c", "exact")]


def test_empty_texts_are_not_duplicates():
    result = deduplicate([rec("a", ""), rec("b", "  "), rec("c", "...")])
    assert result.matches == [] and result.clusters == []


def family(n: int) -> list[dict]:
    docs = [rec("x0", OTHER, source="detik", published="18 Juni 2025 | 10.20 WIB")]
    for i in range(n):
        lines = STORY[:]
        lines[i % len(lines)] = sentence()
        docs.append(rec(f"d{i}", "\n".join(lines) + " ekstra" * (30 * i),
                        source=["kompas", "antara", "tempo"][i % 3],
                        published=f"Tayang: Senin, {10 + i} Juni 2025 10:15 WIB"))
    return docs


def test_clusters_are_independent_of_input_order():
    docs = family(6)
    first = deduplicate(docs, keep=KeepPolicy("earliest"))
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    second = deduplicate(shuffled, keep=KeepPolicy("earliest"))

    def view(result):
        ids = [i.id for i in result.infos]
        return sorted((c.id, infos_kept, tuple(sorted(ids[m] for m in c.members)))
                      for c in result.clusters
                      for infos_kept in [ids[c.kept]])

    assert view(first) == view(second)
    assert len(first.clusters) == 1 and len(first.clusters[0].members) == 6


def test_keep_policies():
    docs = family(4)
    kept = {}
    for policy in (KeepPolicy("first"), KeepPolicy("earliest"), KeepPolicy("longest"),
                   KeepPolicy("prefer", ("antara", "kompas"))):
        result = deduplicate(docs, keep=policy)
        [cluster] = result.clusters
        kept[policy.name] = result.infos[cluster.kept].id
        for i in cluster.members:
            fields = result.fields[i]
            assert fields["cluster"] == cluster.id
            if i == cluster.kept:
                assert "duplicate_of" not in fields
            else:
                assert fields["duplicate_of"] == kept[policy.name]
                assert 0 < fields["similarity"] <= 1
    assert kept == {"first": "d0", "earliest": "d0", "longest": "d3", "prefer": "d1"}
    with pytest.raises(ValueError):
        KeepPolicy("prefer")
    with pytest.raises(ValueError):
        KeepPolicy("newest")


def test_parse_published_formats():
    assert parse_published("Diperbarui 06 Jun 2025, 14:15 WIB").isoformat() == \
        "2025-06-06T07:15:00+00:00"
    assert parse_published("Tayang: Senin, 9 Juni 2025 10:15 WITA").hour == 2
    assert parse_published("Kompas.com- 10/06/2025, 14:30 WIB").day == 10
    assert parse_published("18 Juni 2025 | 10.20 WIB").minute == 20
    assert parse_published("Scroll ke bawah untuk membaca berita") is None
    assert parse_published(None) is None


def test_cli_dedup_flags_drops_and_writes_clusters(tmp_path):
    src = tmp_path / "clean.jsonl"
    docs = family(3) + [rec("copy", BASE.lower(), keep_me=[1])]
    src.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    clusters = tmp_path / "clusters.jsonl"
    proc = run_cli("dedup", str(src), "--clusters", str(clusters))
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [r["id"] for r in out] == [d["id"] for d in docs]
    assert "cluster" not in out[0]
    dups = [r for r in out if "duplicate_of" in r]
    assert {r["duplicate_of"] for r in dups} == {"d0"} and len(dups) == 3
    assert out[-1]["keep_me"] == [1]
    rows = [json.loads(x) for x in clusters.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["kept"] == "d0"
    assert rows[0]["config"]["num_perm"] == DedupConfig().num_perm
    assert b"flagged duplicate_of" in proc.stderr
    dropped = run_cli("dedup", str(src), "--drop")
    kept_ids = [json.loads(x)["id"] for x in dropped.stdout.decode().splitlines()]
    assert kept_ids == ["x0", "d0"]
    # a re-run on its own output gives the same annotations
    again = run_cli("dedup", "-", stdin=proc.stdout)
    assert again.stdout == proc.stdout


def test_cli_run_cleans_then_dedups_and_explain_shows_it(tmp_path):
    src = tmp_path / "raw.jsonl"
    src.write_text(
        json.dumps(rec("a", BASE + "\nAdvertisement\nBaca juga: Judul Lain")) + "\n"
        + json.dumps(rec("b", "Baca juga: Yang Berbeda\n" + BASE)) + "\n", encoding="utf-8")
    proc = run_cli("run", str(src), "--keep", "longest")
    assert proc.returncode == 0, proc.stderr
    a, b = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert a["removed"] and b["removed"]
    assert b["duplicate_of"] == "a" and b["similarity"] == 1.0
    out = tmp_path / "out.jsonl"
    out.write_bytes(proc.stdout)
    text = run_cli("explain", str(out)).stdout.decode()
    assert "duplicate of a (similarity 1.0" in text
    assert "Advertisement" in text


def test_cli_bad_dedup_options_are_usage_errors():
    assert run_cli("dedup", "--threshold", "1.5").returncode == 2
    assert run_cli("dedup", "--hash", "md5").returncode == 2
    assert run_cli("dedup", "--keep", "prefer").returncode == 2


def test_banding_finds_the_candidates_datasketch_lsh_finds():
    config = DedupConfig()
    docs = family(8) + [rec(f"o{i}", "\n".join(sentence() for _ in range(6)))
                        for i in range(40)]
    # near copies at several distances so that some pairs are borderline
    for i in range(10):
        lines = STORY[:]
        for k in range(i):
            lines[k] = sentence()
        docs.append(rec(f"e{i}", "\n".join(lines)))
    index = Index(config)
    for d in docs:
        index.add(d["id"], d["text"])
    sigs = index.signatures()
    ours = {tuple(p) for p in candidate_pairs(band_keys(sigs, index.bands, index.rows))}
    lsh = config.lsh()
    leans = [config.lean(s) for s in sigs]
    for i, lean in enumerate(leans):
        lsh.insert(i, lean)
    theirs = {(min(i, j), max(i, j)) for i, lean in enumerate(leans)
              for j in lsh.query(lean) if i != j}
    assert ours == theirs and len(ours) > 10


def test_cli_dedup_passes_empty_cleaned_texts_through(tmp_path):
    src = tmp_path / "clean.jsonl"
    src.write_text(json.dumps(rec("empty", "")) + "\n" + json.dumps(rec("a", BASE)) + "\n",
                   encoding="utf-8")
    proc = run_cli("dedup", str(src))
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x)["id"] for x in proc.stdout.decode().splitlines()] == ["empty", "a"]


def test_matches_are_the_same_when_signatures_are_stored_in_many_chunks(monkeypatch):
    import cleaner.dedup.index as index_module

    texts = [BASE, "\n".join(STORY[:6] + [sentence() for _ in range(3)]), BASE + " Tambahan.",
             "\n".join(sentence() for _ in range(12)), "\n".join(STORY[2:] + [sentence()])]

    def found() -> list:
        index = Index(DedupConfig())
        for n, text in enumerate(texts):
            index.add(f"d{n}", text)
        return index.matches()

    one_chunk = found()
    monkeypatch.setattr(index_module, "_CHUNK", 2)
    assert found() == one_chunk and len(one_chunk) >= 2


def test_candidate_pairs_pair_each_bucket_member_with_the_ones_before_it():
    rng = np.random.default_rng(5)
    for _ in range(30):
        n, bands, max_bucket = int(rng.integers(2, 300)), int(rng.integers(1, 5)), \
            int(rng.integers(1, 8))
        keys = rng.integers(0, int(rng.integers(1, 40)), size=(n, bands)).astype(np.uint64)
        expected = set()
        for b in range(bands):
            buckets: dict[int, list[int]] = {}
            for row in range(n):
                members = buckets.setdefault(int(keys[row, b]), [])
                expected |= {(m, row) for m in members[-max_bucket:]}
                members.append(row)
        found = candidate_pairs(keys, max_bucket)
        assert [tuple(p) for p in found.tolist()] == sorted(expected)


def test_matches_equal_verifying_every_candidate_on_whole_signatures():
    # Articles drawn from a small pool of paragraphs share one to several of them, so
    # many candidates sit near the candidate threshold: the low-byte pre-test may drop
    # only pairs that whole-signature verification refuses too.
    from cleaner.dedup.index import Match, verify

    pool = [" ".join(sentence() for _ in range(rnd.randint(1, 4))) for _ in range(60)]
    texts = ["\n".join(rnd.sample(pool, rnd.randint(3, 12))) for _ in range(150)]
    config = DedupConfig()
    index = Index(config)
    for n, text in enumerate(texts):
        index.add(f"d{n}", text)
    sigs = index.signatures()
    assert len(sigs) == len(texts)  # no exact copies: row numbers are article numbers
    expected = []
    for i, j in candidate_pairs(band_keys(sigs, index.bands, index.rows)).tolist():
        sim = float((sigs[i] == sigs[j]).mean())
        found = verify(config, i, j, sim, index.infos[i].size, index.infos[j].size)
        if found is not None:
            a, b, kind, similarity, containment = found
            expected.append(Match(a, b, f"d{a}", f"d{b}", kind, similarity, containment))
    expected.sort(key=lambda m: (min(m.a, m.b), max(m.a, m.b)))
    kinds = {m.kind for m in expected}
    assert kinds == {"near", "contained"} and len(expected) > 20
    assert index.matches() == expected


def test_compiled_verification_refuses_arrays_that_do_not_fit():
    from cleaner.dedup import _verify

    sigs = np.zeros((3, 16), dtype=np.uint32)
    low = (sigs & 0xFF).astype(np.uint8)
    pairs = np.array([0], dtype=np.int64), np.array([1], dtype=np.int64)
    sizes = np.full(3, 30.0)
    args = (0.35, 0.1, 0.6, 20.0)
    found = _verify.verify(_verify.seen(), *pairs, low, [sigs], 65536, sizes, 3, *args)
    assert np.frombuffer(found[2], dtype=np.float64).tolist() == [1.0]  # equal signatures
    with pytest.raises(ValueError, match="one row per size"):
        _verify.verify(_verify.seen(), *pairs, low, [sigs[:2]], 65536, sizes, 3, *args)
    with pytest.raises(IndexError, match="row out of range"):
        _verify.verify(_verify.seen(), np.array([0]), np.array([5]), low, [sigs], 65536,
                       sizes, 3, *args)


def test_clusters_are_the_connected_components_of_exact_and_near_matches():
    from cleaner.dedup.clusters import build_clusters
    from cleaner.dedup.index import DocInfo, Match

    rnd = random.Random(9)
    n = 300
    infos = [DocInfo(i, f"d{i}", None, None, 100, 50) for i in range(n)]
    matches = []
    for _ in range(260):
        a, b = sorted(rnd.sample(range(n), 2))
        kind = rnd.choice(["exact", "near", "near", "contained"])
        matches.append(Match(a, b, f"d{a}", f"d{b}", kind, 0.9))
    # the components by a plain search over the exact and near links
    neighbours: dict[int, set[int]] = {}
    for m in matches:
        if m.kind != "contained":
            neighbours.setdefault(m.a, set()).add(m.b)
            neighbours.setdefault(m.b, set()).add(m.a)
    components, seen = [], set()
    for start in sorted(neighbours):
        if start in seen:
            continue
        stack, component = [start], set()
        while stack:
            i = stack.pop()
            if i not in component:
                component.add(i)
                stack.extend(neighbours[i] - component)
        seen |= component
        components.append(sorted(component))
    clusters = build_clusters(infos, matches, KeepPolicy())
    assert [c.members for c in clusters] == components
    assert [c.kept for c in clusters] == [c[0] for c in components]
    assert max(map(len, components)) > 20  # a large one: the case that was quadratic
