"""Quality signals on hand-made texts with known values; each flag on a real corpus case;
and cleaner as a pipeline step: dropping flagged documents, Parquet, field names,
stable ids, a config file, the batch API."""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import islice

import pytest
import regex

from cleaner import RuleError, clean_batch, load_rules
from cleaner.quality import (
    SIGNALS,
    FlagRule,
    QualitySettings,
    compiled_flags,
    compute_signals,
    flags_for,
    ngram_counts,
    parse_quality,
    quality_words,
    text_counts,
)

from .conftest import CORPUS, FIXTURES, run_cli
from .test_rule_loading import good, make_rules

STOP = frozenset({"dan", "di", "ke", "yang"})


def test_signals_known_values():
    text = "Harga cabai naik.\nHarga cabai naik.\n\nDia pergi ke pasar dan membeli beras"
    s = compute_signals(text, removed_chars=26, original_chars=100, stopwords=STOP)
    assert set(s) == set(SIGNALS)
    assert s["word_count"] == 13
    assert s["char_count"] == len(text)
    assert s["line_count"] == 3
    assert s["mean_word_length"] == round(58 / 13, 3)
    assert s["alpha_word_fraction"] == 1.0
    assert s["stopword_count"] == 2 and s["stopword_ratio"] == round(2 / 13, 4)
    assert s["terminal_line_fraction"] == round(2 / 3, 4)
    assert s["duplicate_line_fraction"] == round(1 / 3, 4)
    assert s["duplicate_line_char_fraction"] == round(17 / (17 + 17 + 36), 4)
    assert s["duplicate_paragraph_fraction"] == 0.0
    assert s["boilerplate_fraction"] == 0.26
    # "harga cabai naik" is the top 3-gram: 16 characters, twice
    assert s["top_3gram_char_fraction"] == round(32 / len(text), 4)


def test_repetition_signals_gopher_definitions():
    words = "satu dua tiga empat lima enam".split()
    text = " ".join(words * 3)
    s = compute_signals(text)
    # Scan as datatrove does: positions 0-5 add the six distinct 5-grams of the cycle;
    # at 6 the first repeats (satu..lima, 20 letters) and the scan jumps to 11, where
    # (enam..empat, 20 letters) repeats; 16 is past the end. 40 of 89 characters.
    assert s["dup_5gram_char_fraction"] == round(40 / 89, 4)
    # 10-grams: at 6 the first repeats (w6..w15, 40 letters), then the scan ends.
    assert s["dup_10gram_char_fraction"] == round(40 / 89, 4)
    assert compute_signals("satu dua tiga empat lima enam tujuh")["dup_5gram_char_fraction"] == 0


def test_character_ratio_signals():
    s = compute_signals("ABC def 123 ... #tag")
    assert s["digit_fraction"] == round(3 / 16, 4)  # of non-space characters
    assert s["uppercase_fraction"] == round(3 / 9, 4)  # of letters
    assert s["symbol_word_ratio"] == round(2 / 4, 4)
    assert s["alpha_word_fraction"] == 0.75


def test_empty_text_raises_only_length_flags():
    settings = load_rules().quality("id")
    flags = flags_for(compute_signals("", 50, 50, settings.stopwords), settings)
    assert flags == ["empty_after_cleaning", "too_short", "mostly_boilerplate"]


QUALITY_CASES = [json.loads(x) for x in (FIXTURES / "quality" / "cases.jsonl").open()]


def test_every_flag_has_a_corpus_case():
    names = {f.name for f in load_rules().quality("id").flags}
    assert {c["expect"] for c in QUALITY_CASES} == names


@pytest.mark.parametrize("case", QUALITY_CASES, ids=[c["id"] for c in QUALITY_CASES])
def test_flag_on_corpus_case(case, cleaner_default):
    result = cleaner_default.clean(case["text"], source=case["source"], url=case["url"])
    assert case["expect"] in result.flags


def test_quality_table_errors():
    with pytest.raises(ValueError, match="unknown signal 'colour'"):
        parse_quality({"flags": {"x": {"max": {"colour": 1}}}}, "p.toml")
    with pytest.raises(ValueError, match="needs a 'min' or 'max'"):
        parse_quality({"flags": {"x": {"reason": "r"}}}, "p.toml")
    with pytest.raises(ValueError, match="must be a number"):
        parse_quality({"flags": {"x": {"min": {"word_count": "many"}}}}, "p.toml")
    _, rules = parse_quality({"flags": {"short": {"min": {"word_count": 3}}}}, "p.toml")
    assert flags_for(compute_signals("satu dua"), QualitySettings(flags=tuple(rules))) == \
        ["short"]


def test_bad_quality_table_refused_at_load(tmp_path):
    pack = good() + '\n[quality.flags.x]\nmax = { nonsense = 1 }\n'
    with pytest.raises(RuleError, match=r"base\.toml.*unknown signal 'nonsense'"):
        load_rules(make_rules(tmp_path, pack))


STORY = (
    "Pemerintah menaikkan harga beras medium di pasar induk Cipinang mulai Senin pagi. "
    "Kenaikan itu diumumkan oleh pejabat kementerian perdagangan kepada wartawan di "
    "Jakarta setelah rapat koordinasi dengan Bulog. Menurut dia, pasokan dari sentra "
    "produksi di Jawa Tengah berkurang karena musim hujan datang lebih awal tahun ini. "
    "Pedagang mengeluhkan pembeli yang menahan belanja sejak akhir pekan lalu, sementara "
    "sejumlah warga memilih membeli beras dalam kemasan kecil. Dinas terkait berjanji "
    "menggelar operasi pasar di tiga kecamatan untuk menekan harga sebelum Lebaran."
)


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_drop_flagged_goes_to_rejects_and_counts_add_up(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "ok", "text": STORY}, {"id": "stub", "text": "Harga naik."},
        {"id": "empty", "text": "Advertisement"}, {"bad": 1},
    ])
    rejects = tmp_path / "rejects.jsonl"
    proc = run_cli("clean", str(src), "--drop-flagged", "--rejects", str(rejects))
    out = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [r["id"] for r in out] == ["ok"] and out[0]["flags"] == []
    assert out[0]["quality"]["word_count"] > 50
    rej = [json.loads(x) for x in rejects.read_text().splitlines()]
    dropped = {r["id"]: r for r in rej if r["reason"].startswith("flagged")}
    assert set(dropped) == {"stub", "empty"}
    assert "too_short" in dropped["stub"]["reason"]
    assert dropped["empty"]["record"]["flags"][0] == "empty_after_cleaning"
    assert b"4 documents in, 1 out, 2 dropped, 1 rejected" in proc.stderr
    only = run_cli("clean", str(src), "--drop-flagged", "empty_after_cleaning")
    assert [json.loads(x)["id"] for x in only.stdout.decode().splitlines()] == ["ok", "stub"]


def test_parquet_in_parquet_out(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table({"id": ["a", "b"], "body": [STORY + "\nAdvertisement", "Harga naik."],
                      "views": [10, 20], "tags": [["x"], []]})
    src = tmp_path / "in.parquet"
    pq.write_table(table, src)
    out = tmp_path / "out.parquet"
    proc = run_cli("run", str(src), "-o", str(out), "--text-field", "body")
    assert proc.returncode == 0, proc.stderr
    result = pq.read_table(out)
    assert set(table.column_names) <= set(result.column_names)
    assert {"removed", "quality", "flags"} <= set(result.column_names)
    rows = result.to_pylist()
    assert [r["views"] for r in rows] == [10, 20] and rows[0]["tags"] == ["x"]
    assert "Advertisement" not in rows[0]["body"]
    assert rows[0]["removed"][0]["category"] == "ad"
    assert "too_short" in rows[1]["flags"]


def test_id_field_and_stable_ids(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"body": STORY}, {"key": "k1", "body": STORY}])
    first = run_cli("clean", str(src), "--text-field", "body", "--id-field", "key")
    again = run_cli("clean", str(src), "--text-field", "body", "--id-field", "key")
    rows = [json.loads(x) for x in first.stdout.decode().splitlines()]
    assert rows[0]["key"].startswith("doc-") and rows[1]["key"] == "k1"
    assert first.stdout == again.stdout


def test_config_file_sets_options_and_command_line_wins(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": STORY},
                                              {"id": "b", "text": STORY.upper()}])
    config = tmp_path / "cleaner.toml"
    config.write_text('drop = true\nkeep = "longest"\nthreshold = 0.5\n', encoding="utf-8")
    proc = run_cli("run", str(src), "--config", str(config))
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x)["id"] for x in proc.stdout.decode().splitlines()] == ["a"]
    bad = tmp_path / "bad.toml"
    bad.write_text("colour = 1\n", encoding="utf-8")
    proc = run_cli("run", str(src), "--config", str(bad))
    assert proc.returncode == 2 and b"unknown option 'colour'" in proc.stderr


def test_clean_batch_rows_and_columns():
    rows = [{"text": STORY + "\nAdvertisement", "n": 1}, {"text": None, "n": 2}]
    out = clean_batch(rows)
    assert [r["n"] for r in out] == [1, 2]
    assert "Advertisement" not in out[0]["text"] and out[0]["removed"]
    assert "empty_after_cleaning" in out[1]["flags"]
    columns = clean_batch({"text": [STORY + "\nAdvertisement", "Harga naik."], "n": [1, 2]})
    assert columns["n"] == [1, 2] and len(columns["flags"]) == 2
    assert columns["text"][0] == out[0]["text"]
    with pytest.raises(TypeError):
        clean_batch("text")


def test_readme_batch_example_runs():
    from .conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```")[0] for b in readme.split("```python")[1:]]
    [example] = [b for b in blocks if "clean_batch" in b]
    namespace: dict = {}
    exec(example, namespace)  # noqa: S102 - the README's own example
    assert namespace["rows"][0]["text"] == "Harga naik."
    assert namespace["columns"]["id"] == [1]


def reference_ngram_counts(words: list[str]) -> list[int]:
    """Gopher's n-gram counts as datatrove defines them, on tuples of words (no hashing):
    the characters of the most frequent 2- to 4-gram (with its spaces) times its count,
    ties to the first seen; the characters of the 5- to 10-grams that repeat an earlier
    one, skipping past each repeat; from 4 up, nothing once no n-gram repeats."""
    out = [0] * 9
    for n in range(2, min(10, len(words)) + 1):
        grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
        counts = Counter(grams)
        if n <= 4:
            gram, top = max(counts.items(), key=lambda kv: kv[1])
            out[n - 2] = (sum(map(len, gram)) + n - 1) * top
        else:
            seen: set[tuple[str, ...]] = set()
            i = chars = 0
            while i < len(grams):
                if grams[i] in seen:
                    chars += sum(map(len, grams[i]))
                    i += n
                else:
                    seen.add(grams[i])
                    i += 1
            out[n - 2] = chars
        if n >= 4 and max(counts.values()) == 1:
            break
    return out


def corpus_texts(limit: int = 300) -> list[str]:
    texts = [p.read_text(encoding="utf-8")
             for p in sorted((FIXTURES / "seeds" / "input").glob("*.txt"))]
    for path in sorted((CORPUS / "id-news").glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for line in islice(lines, limit)]
    return texts


def test_compiled_ngram_counts_equal_the_definition():
    rnd = random.Random(4)
    cases = [quality_words(t) for t in corpus_texts()]
    # repetitive texts: a few words, cycles, a repeated paragraph
    vocab = ["satu", "dua", "tiga", "empat", "lima", "enam", "ß", "é"]
    cases += [[rnd.choice(vocab[:k]) for _ in range(rnd.randint(0, 60))]
              for k in (1, 2, 3, 8) for _ in range(50)]
    for words in cases:
        assert list(ngram_counts(words)) == reference_ngram_counts(words), words[:20]


def test_character_counts_equal_their_definitions():
    for text in corpus_texts(100) + ["ABC def 123 ... #tag", "…....# ## Ⅳ Ⓐ ǅ ²"]:
        s = compute_signals(text)
        letters = sum(map(str.isalpha, text))
        non_space = len(text) - sum(1 for c in text if regex.match(r"\s", c))
        upper = sum(1 for c in text if regex.match(r"\p{Lu}", c))
        digits = sum(1 for c in text if regex.match(r"\d", c))
        symbols = len(regex.findall(r"#|\.\.\.|…", text))
        words = quality_words(text)
        assert s["uppercase_fraction"] == (round(upper / letters, 4) if letters else 0.0)
        assert s["digit_fraction"] == (round(digits / non_space, 4) if non_space else 0.0)
        assert s["symbol_word_ratio"] == (round(symbols / len(words), 4) if words else 0.0)


def test_compiled_counts_equal_the_regex_definitions():
    """_quality.measure against the regex module: words, their letters and characters,
    stopwords (of the bundled language pack), n-gram counts, character classes."""
    odd = ["ǅ Ⅻ ① ² _a_ a--b a-'b 'a' -a- a’ co-op’s", "\u2028 \u00a0 x\u200b y\u0301",
           "STRASSE Straße ŉ ǰ ΣΑΣ \u0345 12-13 x_1 __ DŽ ﬁ İ",
           "Yang DAN di-ke yang’s Di", "Ab-c d’e 12 😀 x 𝐀𝐁"]  # the last is above U+FFFF
    stopwords = load_rules().quality("id").stopwords
    for text in corpus_texts(100) + odd:
        for stop in (stopwords, STOP, frozenset()):
            got = text_counts(text, stop)
            words = quality_words(text)
            counts = Counter(words)
            assert got.words == len(words)
            assert got.letterless == sum(1 for w in words if not regex.search(r"\p{L}", w))
            assert got.word_chars == sum(map(len, words))
            assert got.stopwords == sum(n for w, n in counts.items() if w in stop)
            assert list(got.ngrams) == reference_ngram_counts(words)
            assert got.letters == len(regex.findall(r"\p{L}", text))
            assert got.upper == len(regex.findall(r"\p{Lu}", text))
            assert got.digits == len(regex.findall(r"\d", text))
            assert got.non_space == len(regex.findall(r"\S", text))


def _units_by_definition(text: str) -> tuple[int, ...]:
    """What ``_quality.units`` counts, as the signals define it."""

    def repeats(units: list[str]) -> tuple[int, int, int, int]:
        seen: set[str] = set()
        dups = dup_chars = 0
        for u in units:
            if u in seen:
                dups += 1
                dup_chars += len(u)
            seen.add(u)
        return len(units), dups, sum(map(len, units)), dup_chars

    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    paragraphs = [p.strip() for p in regex.split(r"\n\s*\n", text) if p.strip()]
    terminal = sum(ln.endswith(tuple(".!?…:;\"”’')]")) for ln in lines)
    return (*repeats(lines), *repeats(paragraphs), terminal,
            text.count("#") + text.count("...") + text.count("…"))


def test_units_count_lines_and_paragraphs_as_defined():
    from cleaner._quality import units

    from cleaner.quality import _TABLE

    rnd = random.Random(3)
    alphabet = ["a", "b", "ab", " ", "\t", "\n", "\n", "\u3000", "\x1c", "\x85", ".", "#",
                "…", "”", ")", "\U0001F600", "é"]
    samples = ["", "\n", "a\n\nb", "a.\n \n\u3000\na.", "....... # …", "x\n\x1c\ny"]
    samples += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
                for _ in range(5000)]
    for text in samples:
        assert units(text, _TABLE) == _units_by_definition(text), repr(text)


def test_compiled_signals_equal_their_definition():
    """``_quality.signals`` (counts, fractions and their rounding in C) gives what
    ``signals_by_definition`` computes in Python, on random texts and corpus articles."""
    from cleaner.quality import signals_by_definition

    rnd = random.Random(12)
    pieces = ["kata", "Yang", "dan", "2024", " ", " ", "\n", "\n\n", ".", "...", "#", "…",
              "é", "ß", "A", "-", "’", "x\u3000y"]
    texts = ["", "a", "satu dua", "Satu. Dua.\n\nSatu. Dua."]
    texts += ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 300)))
              for _ in range(1500)]
    corpus = CORPUS / "id-news" / "scraped-2025-06.jsonl"
    if corpus.exists():
        with corpus.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in islice(fh, 300)]
    for text in texts:
        removed = rnd.randint(0, 500)
        original = len(text) + removed + rnd.randint(0, 3)
        assert compute_signals(text, removed, original, STOP) == \
            signals_by_definition(text, removed, original, STOP), repr(text[:80])


def test_compiled_flags_equal_flags_for():
    """The generated flag test names what ``flags_for`` (each rule's ``raised``) names:
    for the bundled Indonesian flags and for random rules with any mix of bounds, on
    random signals (empty texts too, which go to flags_for)."""
    rnd = random.Random(4)
    names = list(SIGNALS)

    def bounds() -> tuple[tuple[str, float], ...]:
        return tuple((rnd.choice(names), rnd.choice([0.0, 0.5, 1.0, 3.0, 50.0]))
                     for _ in range(rnd.choice([0, 0, 1, 2])))

    settings = [load_rules().quality("id"), QualitySettings()]
    for _ in range(60):
        rules = tuple(FlagRule(f"f{i}", bounds(), bounds(), "", bounds())
                      for i in range(rnd.randint(1, 6)))
        settings.append(QualitySettings(flags=tuple(r for r in rules if r.min or r.max)))
    raised = 0
    for setting in settings:
        fast = compiled_flags(setting)
        for _ in range(300):
            signals = {k: rnd.choice([0, 0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 49.0, 50.0, 80.0])
                       for k in names}
            assert fast(signals) == flags_for(signals, setting)
            raised += len(fast(signals))
    assert raised > 1000
