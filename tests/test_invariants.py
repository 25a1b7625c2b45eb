"""Properties of every result on arbitrary text: spans are in range, sorted, disjoint,
match the input exactly, and the cleaned text is the input with the spans cut out,
then normalised. Merging is independent of proposal order."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.model import CATEGORIES, Proposal
from cleaner.render import cut, merge, normalise

# Lines that trigger rules of every scope, mixed with arbitrary text.
FURNITURE = [
    "Baca juga:", "Baca juga: Judul Lain", "Advertisement", "SCROLL TO CONTINUE WITH CONTENT",
    "Berita terkait", "11 jam lalu", "Baca Selengkapnya", "tulis komentar anda", "Follow",
    "Editor: Budi", "(ian)", "Rabu, 12 Oktober 2022 08:00 WIB", "0", "Tempo.co", "DISKUSI:",
    "Ia pulang.(dry/din)", "Daftar Isi", "Sergei Lavrov [Reuters]", "Halaman 1 2 3",
    "Cerita yang sama diulang dua kali di halaman ini.", "\u00a0", "", "  ",
]
line = st.one_of(st.sampled_from(FURNITURE), st.text(max_size=60))
document = st.lists(line, max_size=30).map(lambda ls: "\n".join(ls)) | st.text(max_size=300)


def check(text: str, result) -> None:
    spans = result.removed
    prev_end = 0
    for s in spans:
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= prev_end
        assert text[s.start:s.end] == s.text
        assert s.category in CATEGORIES and s.rule
        prev_end = s.end
    assert result.text == normalise(cut(text, spans))


@settings(max_examples=300, deadline=None)
@given(document)
def test_result_invariants(cleaner_default, text):
    result = cleaner_default.clean(text)
    check(text, result)
    assert result.original == text


@settings(max_examples=100, deadline=None)
@given(document)
def test_clean_is_deterministic(cleaner_default, text):
    assert cleaner_default.clean(text) == cleaner_default.clean(text)


proposal = st.builds(
    lambda a, b, rank, rule: Proposal(min(a, b), max(a, b), f"r{rule}", CATEGORIES[rule],
                                      (rank, rule)),
    st.integers(0, 60), st.integers(0, 60), st.integers(0, 4), st.integers(0, 9),
)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=50), st.lists(proposal, max_size=12), st.randoms())
def test_merge_order_independent_and_complete(text, proposals, rnd):
    spans = merge(text, proposals)
    shuffled = list(proposals)
    rnd.shuffle(shuffled)
    assert merge(text, shuffled) == spans
    covered = {i for s in spans for i in range(s.start, s.end)}
    wanted = {i for p in proposals for i in range(p.start, min(p.end, len(text)))}
    assert covered == wanted
    prev = 0
    for s in spans:
        assert s.start >= prev and s.start < s.end
        prev = s.end


def test_better_rank_keeps_its_span():
    text = "abcdefghij"
    worse = Proposal(0, 10, "block", "related", (2, 0))
    better = Proposal(3, 5, "line", "ad", (0, 0))
    spans = merge(text, [worse, better])
    assert [(s.start, s.end, s.rule) for s in spans] == [
        (0, 3, "block"), (3, 5, "line"), (5, 10, "block")
    ]


def test_normalise_whitespace_and_ftfy():
    assert normalise("a  b \n\n\n\nc\t\n") == "a b\n\nc"
    assert normalise("\n\nx\n") == "x"
    # mojibake is repaired, curly quotes stay curly
    assert normalise("â€œhalo") == "“halo"
    assert normalise("“halo”") == "“halo”"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\n\r\x0b\x0c\x85\xa0\u2028\u3000\x1cab.", max_size=40))
def test_normalise_whole_text_equals_line_by_line(text):
    import ftfy
    import regex

    from cleaner.render import FTFY_CONFIG

    # the definition: after ftfy, each line's runs of spaces folded and the line stripped
    text = ftfy.fix_text(text, FTFY_CONFIG)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ref = "\n".join(regex.sub(r"[^\S\n]+", " ", ln).strip() for ln in lines)
    ref = regex.sub(r"\n{3,}", "\n\n", ref).strip("\n")
    assert normalise(text) == ref


def test_bytes_rejected(cleaner_default):
    import pytest

    with pytest.raises(TypeError, match="decode"):
        cleaner_default.clean(b"Advertisement")


def test_random_seed_documents_keep_unclaimed_text(cleaner_default):
    rnd = random.Random(7)
    words = ["harga", "naik", "Jakarta", "warga", "kata", "dia", "pemerintah", "pada"]
    for _ in range(50):
        text = "\n".join(" ".join(rnd.choice(words) for _ in range(rnd.randint(5, 15))) + "."
                         for _ in range(rnd.randint(1, 8)))
        result = cleaner_default.clean(text)
        for s in result.removed:
            assert s.category == "repeated"


def test_ftfy_precheck_never_skips_a_text_ftfy_would_change():
    import ftfy

    from cleaner.render import FTFY_CONFIG, needs_ftfy

    from .conftest import CORPUS

    samples = ["â€œhalo", "caf\u00e9", "e\u0301", "ﬁlm", "ＡＢＣ", "a\rb", "a\x1bb", "&amp;",
               "x\u2028y", "\x85", "Ã©t", "plain “quotes” and – dashes", "baik\nÃ halo",
               "caf&eacute; &#233;", "line one\nâ€” two", "Ã"]
    corpus = CORPUS / "id-news" / "scraped-2025-06.jsonl"
    if corpus.exists():
        import json

        with corpus.open(encoding="utf-8") as fh:
            samples += [json.loads(next(fh))["text"] for _ in range(1500)]
    skipped = 0
    for text in samples:
        if not needs_ftfy(text):
            skipped += 1
            assert ftfy.fix_text(text, FTFY_CONFIG) == text
    assert skipped > 0
    # curly quotes and dashes are correct text: they alone do not send a text to ftfy
    assert not needs_ftfy("“Kami siap,” katanya – pada ‘Senin’ … café")


def test_ftfy_on_the_lines_that_need_it_equals_ftfy_on_the_whole_text():
    import ftfy

    from cleaner.render import FTFY_CONFIG, fix_lines, needs_ftfy

    from .conftest import CORPUS

    samples = ["ok line\nâ€œhalo\nplain", "&amp; first\n<b> then &amp;\nâ€” x",
               "<p>\n&eacute; after a tag", "&eacute; before\n<i>", "a\r\nÃ©t\r\nb",
               "x\u2028y\nz", "last line without break â€œ", "\n\nÃ\n"]
    corpus = CORPUS / "id-news" / "scraped-2025-06.jsonl"
    if corpus.exists():
        import json

        with corpus.open(encoding="utf-8") as fh:
            texts = [json.loads(line)["text"] for line in fh]
        samples += [t for t in texts if needs_ftfy(t)]
    for text in samples:
        assert fix_lines(text) == ftfy.fix_text(text, FTFY_CONFIG), text[:80]
    assert len(samples) > 40


def test_mojibake_window_assumptions_hold_for_installed_ftfy():
    """needs_ftfy searches ftfy's mojibake expression only near non-ASCII runs; that is
    exact while every branch needs a non-ASCII character and matches are short."""
    from re import _constants as sre
    from re import _parser as sre_parse

    from ftfy.badness import BADNESS_RE

    from cleaner.render import _MOJIBAKE_REACH

    tree = sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    assert tree.getwidth()[1] <= _MOJIBAKE_REACH - 3

    def needs_non_ascii(items) -> bool:
        for op, av in items:
            if op is sre.LITERAL and av > 127:
                return True
            if op is sre.IN and all((o is sre.LITERAL and a > 127)
                                    or (o is sre.RANGE and a[0] > 127) for o, a in av):
                return True
            if op is sre.SUBPATTERN and needs_non_ascii(av[3].data):
                return True
        return False

    [(op, (_, branches))] = tree.data
    assert op is sre.BRANCH and len(branches) > 10
    assert all(needs_non_ascii(b.data) for b in branches)


def test_mojibake_characters_are_in_every_mojibake_match():
    """Text without any of ``_MOJIBAKE_CHARS`` skips ftfy's mojibake test: every match
    of that test must hold one. Random strings of the test's own characters, many of
    them matching, check it."""
    import re

    from ftfy.badness import BADNESS_RE

    from cleaner.render import _MOJIBAKE_CHARS

    assert _MOJIBAKE_CHARS is not None
    alphabet = sorted(set(re.findall(r"[^\x00-\x7f]", BADNESS_RE.pattern)) | set("aZ .,\n"))
    rnd = random.Random(11)
    matched = 0
    for _ in range(30000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 8)))
        if BADNESS_RE.search(text):
            matched += 1
            assert _MOJIBAKE_CHARS & set(text), text
    assert matched > 1000


def test_fold_spaces_folds_exactly_the_white_space():
    """The compiled fold takes for white space what ``str.isspace`` does, over every
    code point, and hands text with "\\r" or U+001C .. U+001F back (None)."""
    from cleaner._render import fold_spaces

    for code in range(0x110000):
        c = chr(code)
        got = fold_spaces(f" a{c}{c} b{c}\n")
        if c == "\r" or "\x1c" <= c <= "\x1f":
            assert got is None
        elif c == "\n":
            assert got == "a\n\nb"
        elif c.isspace():
            assert got == "a b", hex(code)
        else:
            assert got == f"a{c}{c} b{c}", hex(code)


def test_character_classes_of_a_text():
    from cleaner._render import classes

    table = bytes([0] * 0x61 + [1, 2] + [0] * (0x10000 - 0x63))  # "a" 1, "b" 2
    assert classes("xyz", table) == 0
    assert classes("xaz", table) == 1
    assert classes("ab\u3000", table) == 3
    assert classes("a\U0001F600", table) == 257
    with pytest.raises(ValueError, match="65536"):
        classes("a", b"short")
