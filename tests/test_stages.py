"""Behaviour of the stages on small hand-made documents: what goes and what stays."""

from __future__ import annotations

import pytest

from cleaner import Cleaner, RuleError, load_rules

from .test_rule_loading import good, make_rules


def removed(result) -> list[tuple[str, str]]:
    return [(s.rule, s.text.strip()) for s in result.removed]


def test_repeated_paragraph_first_copy_stays(cleaner_default):
    para = "Harga cabai naik tajam pekan ini di pasar induk, kata pedagang."
    text = f"Judul\n{para}\nParagraf lain yang berbeda sama sekali.\n{para}\n"
    result = cleaner_default.clean(text)
    assert removed(result) == [("repeated.paragraph", para)]
    assert result.text.count(para) == 1
    assert result.removed[0].start == text.rindex(para)


def test_repeated_ignores_case_and_spaces(cleaner_default):
    text = "Satu dua tiga empat lima.\nSATU  dua tiga   empat lima."
    assert [s.category for s in cleaner_default.clean(text).removed] == ["repeated"]


def test_short_lines_are_not_repeated(cleaner_default):
    # link fragments such as a name alone repeat in real stories
    text = "Kata\nLuna Maya\nkepada wartawan, lalu\nLuna Maya\npergi."
    assert cleaner_default.clean(text).removed == ()


def test_whole_text_line_then_resplit(cleaner_default):
    p1 = "Pekerja berjalan melintasi akses jembatan penyeberangan di Stasiun Rangkasbitung."
    p2 = "Balai Teknik Perkeretaapian mencatat progres pembangunan telah mencapai 84 persen."
    text = f"{p1}{p2}\n{p1}\n{p2}\n"
    result = cleaner_default.clean(text)
    assert [r for r, _ in removed(result)] == ["repeated.contained", "repeated.contained"]
    assert result.text == f"{p1}{p2}"


def test_boilerplate_first_copy_does_not_make_story_repeated(cleaner_default):
    heading = "10 Stasiun Paling Banyak Penumpang Berangkat 5-9 Juni:"
    text = (f"Daftar Isi\n{heading}\nJakarta\n-\nLonjakan penumpang terjadi hari ini.\n"
            f"{heading}\n1. Stasiun Pasarsenen - 143.125 pelanggan\n")
    result = cleaner_default.clean(text)
    assert result.text.count(heading) == 1
    assert all(s.category == "nav" for s in result.removed)
    assert "Jakarta" in result.text


def test_boilerplate_line_twice_keeps_its_category(cleaner_default):
    text = "Cerita pertama di sini.\nAdvertisement\nCerita kedua di sini.\nAdvertisement\n"
    assert [s.category for s in cleaner_default.clean(text).removed] == ["ad", "ad"]


def test_standalone_rule_skips_sentence_fragments(cleaner_default):
    fragment = "Dari video yang diperoleh\ndetikcom\n, terlihat polisi menyergap perahu."
    assert cleaner_default.clean(fragment).removed == ()
    logo = "Judul Berita\nTempo.co\nRabu, 12 Oktober 2022 08:00 WIB\nIsi cerita."
    spans = cleaner_default.clean(logo).removed
    assert [(s.category, s.text.strip()) for s in spans][0] == ("meta", "Tempo.co")


def test_a_line_met_before_is_judged_again_in_its_new_place():
    # The matcher keeps what the rules found in a short line; whether the line is a
    # sentence fragment depends on the next line, which is read every time.
    cleaner = Cleaner()
    alone = "Judul Berita\ndetikcom\nIsi cerita yang panjang di sini."
    fragment = "Dari video yang diperoleh\ndetikcom\n, terlihat polisi menyergap perahu."
    for _ in range(2):
        assert removed(cleaner.clean(alone)) == [("id-meta.outlet-name", "detikcom")]
        assert removed(cleaner.clean(fragment)) == []
    # a block's title lines: the same line ends one block and goes on another
    block = "Cerita.\nBaca juga:\nJudul Artikel Lain\nCerita berlanjut di sini dengan kalimat."
    longer = "Cerita.\nBaca juga:\nJudul Artikel Lain\nJudul Kedua\nCerita, lanjutnya, di sini."
    docs = (fragment, alone, fragment, block, longer, block)
    fresh = Cleaner()
    assert [fresh.clean(t).removed for t in docs] == [cleaner.clean(t).removed for t in docs]
    assert [Cleaner().clean(t).removed for t in docs] == [fresh.clean(t).removed for t in docs]


def test_kept_lines_stay_within_their_budget(monkeypatch):
    from cleaner import stages

    docs = [f"Cerita {i}.\nBaca juga: Judul {i}\nAdvertisement\nFoto: Dok {i}\n(ant/{i % 7}x)"
            for i in range(200)]
    want = [Cleaner().clean(d).removed for d in docs]
    monkeypatch.setattr(stages, "_KEPT_BUDGET", 60)
    small = Cleaner()
    assert [small.clean(d).removed for d in docs] == want
    [matcher] = small._matchers.values()
    kept = [key if isinstance(key, str) else key[1]
            for scope in matcher._kept.values() for key in scope]
    assert kept and sum(map(len, kept)) <= matcher._kept_chars <= 60


def test_block_ends_at_first_non_title_line(cleaner_default):
    text = ("Cerita awal yang panjang.\nBaca juga:\nJudul Artikel Lain di Sini\n"
            "Judul Kedua Juga Lain\nCerita berlanjut dengan kalimat lengkap di sini.\n")
    result = cleaner_default.clean(text)
    assert [s.category for s in result.removed] == ["related"]
    assert result.text == (
        "Cerita awal yang panjang.\nCerita berlanjut dengan kalimat lengkap di sini."
    )


def test_tail_removes_to_end_and_keeps_specific_categories(cleaner_default):
    text = ("Cerita.\n(ian)\ntulis komentar anda\nFollow\nSesuatu yang lain\n"
            "Berita Terkini More")
    result = cleaner_default.clean(text)
    assert result.text == "Cerita."
    cats = {s.text.strip(): s.category for s in result.removed}
    assert cats["tulis komentar anda"] == "comment" and cats["Follow"] == "cta"
    assert cats["Sesuatu yang lain"] == "comment" and cats["(ian)"] == "credit"


def test_tail_max_after_guards_early_marker(cleaner_default):
    story = "\n".join(f"Kalimat cerita nomor {i} yang cukup panjang." for i in range(40))
    text = "Judul\nDISKUSI:\n" + story
    result = cleaner_default.clean(text)
    assert not any(s.rule == "id-comment.box-footer" for s in result.removed)
    assert story in result.text


def test_inline_tag_removed_without_story_words(cleaner_default):
    text = "Kementerian menolak klaim itu sebagai disinformasi. (mm/alalam)"
    result = cleaner_default.clean(text)
    assert removed(result) == [("id-credit.initials-tag", "(mm/alalam)")]
    assert result.text == "Kementerian menolak klaim itu sebagai disinformasi."


SITE_DISABLING = good("koran", 'sites = ["koran"]\ndisable = ["base.ad"]').replace(
    '"Iklan Baris"]', '"Iklan Koran"]').replace('["Iklan Koran"]\nexamples.keep',
                                                '["Iklan Koran"]\nexamples.keep')


def test_site_pack_disables_language_rule(tmp_path):
    root = make_rules(tmp_path, good(), SITE_DISABLING)
    cleaner = Cleaner(root)
    text = "Iklan Baris\nIklan Koran\nCerita."
    assert [s.rule for s in cleaner.clean(text).removed] == ["base.ad"]
    assert [s.rule for s in cleaner.clean(text, source="koran").removed] == ["koran.ad"]


def test_disable_unknown_rule_refused(tmp_path):
    root = make_rules(tmp_path, good(), SITE_DISABLING.replace("base.ad", "base.nothing"))
    with pytest.raises(RuleError, match=r"koran\.toml: 'disable' names 'base.nothing'"):
        load_rules(root)


def _repeated_reference(lines, claimed):
    """The definition of repeated paragraphs, written plainly (quadratic)."""
    from cleaner.stages import CONTAINED_MIN_WORDS, REPEATED_MIN_WORDS

    spans = [(p.start, p.end) for p in claimed if p.rank[0] != 1]
    seen, earlier, out = set(), [], []
    for line in lines:
        if not line.stripped or any(s <= line.start and e >= line.end for s, e in spans):
            continue
        key = " ".join(line.stripped.casefold().split())
        words = len(key.split())
        if words >= REPEATED_MIN_WORDS and key in seen:
            out.append((line.start, "repeated.paragraph"))
        elif words >= CONTAINED_MIN_WORDS and any(key in e for e in earlier):
            out.append((line.start, "repeated.contained"))
        else:
            seen.add(key)
            if words >= CONTAINED_MIN_WORDS:
                earlier.append(key)
    return out


def test_repeated_paragraphs_equal_their_plain_definition():
    import random

    from cleaner.model import Proposal
    from cleaner.stages import repeated_proposals, split_lines

    rnd = random.Random(5)
    # ASCII, folded by lower-casing; not ASCII but folding to itself; folded by
    # str.casefold (ß to ss, É to é, final sigma), above U+FFFF
    words = ["satu", "dua", "tiga", "Empat", "lima", "enam", "“kutip”", "café", "STRASSE",
             "straße", "ÉLAN", "élan", "ΣΑΣ", "σας", "\U0001d400bc"]
    for _ in range(1500):
        pool = [" ".join(rnd.choice(words) for _ in range(rnd.randint(1, 20)))
                for _ in range(rnd.randint(1, 5))]
        pool += [" ".join(p.split()[1:]) for p in pool]  # contained in an earlier line
        text = "\n".join(rnd.choice(pool + [""]) + rnd.choice(["", "  ", " \u200b"])
                         for _ in range(rnd.randint(1, 14)))
        lines = split_lines(text)
        claimed = []
        for _ in range(rnd.randint(0, 3)):
            a = rnd.choice(lines)
            b = rnd.choice([ln for ln in lines if ln.start >= a.start])
            claimed.append(Proposal(a.start, b.stop, "r", "ad", (rnd.choice([0, 1, 2]), 0)))
        got = [(p.start, p.rule) for p in repeated_proposals(lines, claimed)]
        assert got == _repeated_reference(lines, claimed), text


def test_split_lines_equals_its_plain_definition():
    import random

    from cleaner.stages import _INVISIBLE, split_lines

    rnd = random.Random(8)
    pieces = ["a", "bc", " ", "\t", "\n", "\n", "\r", "\u200b", "\ufeff", "\u3000", "\x1c",
              "é", "\U0001F600"]
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 16)))
        want, pos = [], 0
        for number, part in enumerate(text.split("\n"), 1):
            end = pos + len(part)
            stop = min(end + 1, len(text))
            want.append((number, pos, end, stop, part.strip().strip(_INVISIBLE).strip()))
            pos = end + 1
        got = split_lines(text)
        assert got == want, repr(text)
        assert all(type(ln).__name__ == "Line" and ln.stripped == ln[4] for ln in got)


def test_repeated_key_may_case_fold_after_joining_the_words():
    """repeated_proposals joins a line's words and then case-folds: the same as folding
    first while no character's case-folding holds white space unless it is white space
    itself, and white space folds to itself (every code point)."""
    for code in range(0x110000):
        c = chr(code)
        folded = c.casefold()
        assert any(f.isspace() for f in folded) == c.isspace(), hex(code)
        assert not c.isspace() or folded == c, hex(code)
