"""The cheap tests that skip a rule on a line (required literals, first characters,
the compiled literal scan) never skip a rule that could match, and the merged inline
search finds what the combined inline pattern finds."""

from __future__ import annotations

import random
import sys

import pytest
import regex

from cleaner import load_rules
from cleaner.examples import parse_marked
from cleaner.literals import (
    _literal_char,
    end_keys,
    line_key,
    never_empty,
    nonspace_width,
    required_literal_sets,
    required_literals,
    start_key,
    start_prefixes,
    tail_reach,
)
from cleaner.rules import Rule
from cleaner.stages import Matcher, split_lines


def test_required_literals():
    assert required_literals(r"(?i:Baca\s+juga:?.*)") == {"baca"}
    assert required_literals(r"(?i:.{0,99}\b(?:Google\s*News|kanal\s+WA)\b.*)") == \
        {"google", "kanal"}
    assert required_literals(r"(?i:.{0,9}(?:ab|whatsapp))") == {"ab", "whatsapp"}
    # punctuation counts as rarer than a short word: '(' rather than {'antara', 'ap'}
    assert required_literals(r"(?-i:\(\s*(?:Antara|AP)\s*\)\s*$)") == {"("}
    assert required_literals(r"(?i:(?:foto)?\d+)") is None  # optional: not required
    assert required_literals(r"(?i:\p{Lu}+)") is None
    assert required_literals(r"(?i:caf\u00e9)") == {"caf"}  # a run stops at a letter not ASCII
    assert required_literals(r"(?i:iklan{e<=1})") is None  # fuzzy: beyond the analysis
    # classes: one letter in either case continues a run; others are a set of characters
    assert required_literals(r"[Gg]oogle[\s.]*[Nn]ews") == {"google"}
    assert required_literals(r"[*•=]{3,}|[•·]") == {"*", "•", "=", "·"}
    assert required_literals(r"[^a]b") == {"b"}
    # symbols and punctuation without case are literals, ASCII or not
    assert required_literals(r"(?i:(?:Copyright\s*)?(?:©|\(c\))\s*\d{4})") == {"©", "(c)"}
    # a look-ahead holding \w is not a flag of the regex module only
    assert required_literals(r"(?-i:Foto\s*:\s*\S(?:[^.]|\.(?=\w)){0,60})") is not None
    assert required_literals(r"(?r)Foto") is None


def test_required_literal_sets():
    # every set is required; the rarest first
    assert required_literal_sets(r"(?i:.{0,400}(?:Foto|Dok)\s*[:/].*)") == (
        {"foto", "dok"}, {":", "/"})
    assert required_literal_sets(r"(?i:Baca\s+juga:?.*)") == ({"baca"}, {"juga"})
    # a branch gives the union of its alternatives' first sets, then of their second
    assert required_literal_sets(r"(?i:(?:Foto\s*/|\(\s*Dok\s*:)x)")[:2] == (
        {"foto", "dok"}, {"/", ":"})
    # an alternative with one set only: the branch gives one set
    assert required_literal_sets(r"(?i:(?:Foto\s*/|Dok))") == ({"foto", "dok"},)
    assert required_literal_sets(r"(?i:(?:foto)?\d+)") == ()
    assert required_literal_sets(r"(?r)Foto") == ()


def test_literal_characters_are_only_those_nothing_else_folds_to():
    """A non-ASCII literal character must be one that no other character's case
    mapping produces, or a case-folded line could hold something the pattern matched
    case-insensitively without holding the literal."""
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        for mapped in {c.casefold(), c.lower(), c.upper()} - {c}:
            for m in mapped:
                assert not (ord(m) > 0x7F and _literal_char(ord(m))), (hex(code), m)


def test_regex_classes_agree_with_the_keys_of_first_characters():
    """White space per the regex module never starts a stripped line, and its \\d is
    exactly the characters ``start_key`` names "0"."""
    space, digit = regex.compile(r"\s"), regex.compile(r"\d")
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        if space.match(c):
            assert c.isspace() and not (" " + c + "x").strip().startswith(c), hex(code)
        assert bool(digit.match(c)) == (start_key(c) == "0"), hex(code)


def test_start_prefixes_of_one_character():
    assert start_prefixes(r"(?i:[Bb]aca|Foto)", size=1) == {"b", "f"}
    assert start_prefixes(r"\s*Baca|\d+", size=1) == {" ", "b", "0"}
    assert start_prefixes(r"\s*Baca|\d+", stripped=True, size=1) == {"b", "0"}
    assert start_prefixes(r"\s+x", stripped=True, size=1) == set()  # cannot match a stripped line
    assert start_prefixes(r"(?:a|)b", size=1) == {"a", "b"}
    assert start_prefixes(r"(?<=[.!?])\s*\((?:AP|AFP)\)", size=1) == {" ", "("}
    assert start_prefixes(r"(?:(?<=^)|(?<=\.\s?))Saksikan", size=1) == {"s"}
    assert start_prefixes(r"a?", size=1) is None  # may match nothing
    assert start_prefixes(r"\S+", size=1) is None and start_prefixes(r".{0,9}x", size=1) is None
    assert start_prefixes(r"[^a]", size=1) is None
    assert start_key("B") == "b" and start_key("\u0663") == "0" and start_key("\u212a") == "k"
    assert never_empty(r"(?<=x)\(a\)") and not never_empty(r"(?<=x)a*")


def test_start_prefixes():
    assert start_prefixes(r"(?i:[Bb]aca|Foto)") == {"bac", "fot"}
    assert start_prefixes(r"\s*Baca|\d+", stripped=True) == {"bac", "0", "00", "000"}
    assert start_prefixes(r"(?:Senin|Selasa)\s*,?\s*\d") == {"sen", "sel"}
    assert start_prefixes(r"(?:a|)b") == {"ab", "b"}  # "b": a whole match
    assert start_prefixes(r"ab.") == {"ab"} and start_prefixes(r"a\s\S") == {"a "}
    assert start_prefixes(r"x{2,}") == {"xx", "xxx"} and start_prefixes(r"(?:ab)*c") == {
        "c", "abc", "aba"}
    assert start_prefixes(r"(?<=x)\(?AP\)") == {"ap)", "(ap"}
    assert start_prefixes(r".{0,9}x") is None and start_prefixes(r"a?") is None
    assert start_prefixes(r"[a-z]{3}", size=3) is not None  # 26^3 fits
    assert start_prefixes(r"[a-z]{4}[a-z]{4}") is not None
    assert line_key("Ab1") == "ab0" and line_key("A\tb") == "a b" and line_key("\u212a") == "k"


_SHAPES = [r"(?:Senin|Selasa)?\s*\d{1,2}\s+(?:Jan|Feb)[a-z]*", r"(?:ab|a)*b?c+",
           r"\(?(?:AP|AFP)\)?\s*-", r"[Bb]aca\s*(?:juga|Juga)\s*:?", r"(?:x\s){0,3}y",
           r"(?i)(?:foto|dok)\s*[:/]\s*\w+", r"(?:(?<=^)|(?<=\.\s?))Saksikan\b.*"]


def test_start_prefixes_hold_in_every_match_of_random_lines():
    """Random lines made of each shape's own words and a few characters, many of them
    matching: the key of every matching line starts with one of the shape's prefixes."""
    rnd = random.Random(7)
    matched = 0
    for shape in _SHAPES:
        pattern = regex.compile(shape)
        starts = start_prefixes(shape, stripped=True)
        assert starts is not None, shape
        pieces = sorted(set(regex.findall(r"(?<!\\)[A-Za-z]{2,}", shape))) + list(" :/().-1abcxy")
        for _ in range(4000):
            line = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 6))).strip()
            if line and pattern.fullmatch(line):
                matched += 1
                key = line_key(line[:3])
                assert any(key.startswith(p) for p in starts), (shape, line)
    assert matched > 300


def _bundled_rules() -> list[Rule]:
    return [r for p in load_rules().packs for r in p.rules]


def _example_lines(rule: Rule) -> list[str]:
    return [line for example in rule.remove_examples + rule.keep_examples
            for line in parse_marked(example)[0].split("\n")]


def test_required_literals_hold_in_every_line_a_bundled_rule_matches():
    checked = 0
    for rule in _bundled_rules():
        sets = required_literal_sets(rule.source)
        for line in _example_lines(rule):
            for m in rule.pattern.finditer(line):
                if m.group() and sets:
                    checked += 1
                    for literals in sets:
                        assert any(lit in m.group().casefold() for lit in literals), rule.id
    assert checked > 100


def test_start_prefixes_hold_in_every_match_of_a_bundled_rule():
    checked = 0
    for rule in _bundled_rules():
        anywhere = start_prefixes(rule.source, size=1)
        stripped = start_prefixes(rule.source, stripped=True, size=1)
        for line in _example_lines(rule):
            for m in rule.pattern.finditer(line):
                if m.group() and anywhere is not None:
                    checked += 1
                    key = " " if m.group()[0].isspace() else start_key(m.group()[0])
                    assert key in anywhere, rule.id
            bare = line.strip()
            if bare and stripped is not None and rule.pattern.fullmatch(bare):
                checked += 1
                assert start_key(bare[0]) in stripped, rule.id
                starts = start_prefixes(rule.source, stripped=True)
                key = line_key(bare[:3])
                assert starts is not None and any(key.startswith(p) for p in starts), rule.id
    assert checked > 200


def test_end_keys():
    assert end_keys(r"\((?:ant|AFP)\)\s*$", whole=False) == {")"}
    assert end_keys(r"\((?:ant|AFP)\)\s*") is not None  # a whole line: it ends there
    assert end_keys(r"\((?:ant|AFP)\)\s*", whole=False) is None  # found anywhere
    assert end_keys(r"(?i:Baca juga:.*)") is None and end_keys(r"[^a]") is None
    assert end_keys(r"x(?:Y|z\d)?") == {"x", "y", "0"}
    assert end_keys(r"foo\s+") == {"o"} and end_keys(r"\s*") is None
    assert end_keys(r"(?:a\)$|b\.$)", whole=False) == {")", "."}
    assert end_keys(r"(?:a\)$|b\.)", whole=False) is None  # one branch may end anywhere


_ENDINGS = [r"\(\s*(?:AP|AFP)\s*\)\s*$", r"(?:a|b)+(?:\.|\))?\s*\Z", r"x\s*(?:y|zz)?\s*$"]


def test_end_keys_hold_in_every_match_of_random_lines():
    """Random lines made of each shape's own words and a few characters: where the
    shape is found in a line (it ends there) or matches all of it, the line's last
    character (after stripping) is one of the shape's end keys."""
    rnd = random.Random(9)
    matched = 0
    for shape in _SHAPES + _ENDINGS:
        pattern = regex.compile(shape)
        whole, found = end_keys(shape), end_keys(shape, whole=False)
        pieces = sorted(set(regex.findall(r"(?<!\\)[A-Za-z]{2,}", shape))) + list(" :/().-1abcxyz")
        for _ in range(4000):
            line = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 6)))
            [bare] = [ln.stripped for ln in split_lines(line)]
            if not bare:
                continue
            if whole is not None and pattern.fullmatch(bare):
                matched += 1
                assert start_key(bare[-1]) in whole, (shape, line)
            if found is not None and pattern.search(line):
                matched += 1
                assert start_key(bare[-1]) in found, (shape, line)
    assert matched > 300


def test_end_keys_hold_in_every_match_of_a_bundled_rule():
    checked = 0
    for rule in _bundled_rules():
        ends = end_keys(rule.source, whole=rule.scope != "inline")
        if ends is None:
            continue
        for line in _example_lines(rule):
            [bare] = [ln.stripped for ln in split_lines(line)]
            if rule.scope == "inline" and rule.pattern.search(line) or \
                    rule.scope != "inline" and bare and rule.pattern.fullmatch(bare):
                checked += 1
                assert start_key(bare[-1]) in ends, rule.id
    assert checked > 100


def test_nonspace_width_and_tail_reach():
    assert nonspace_width(r"(?i:Baca\s+juga\s*:?)") == 9  # white space counts nothing
    assert nonspace_width(r"(?:ab|c{2,7})\s{0,40}x") == 8
    assert nonspace_width(r"a b[ \t]*c") == 3 and nonspace_width(r"(?=abc)d") == 1
    assert nonspace_width(r"Baca juga.*") is None and nonspace_width(r"a+") is None
    assert nonspace_width(r"(?:\s*)+z") == 1  # a repeat of white space only
    assert tail_reach(r"\((?:ant|AFP)\)\s*$") == 5
    assert tail_reach(r"(?<=\.)\s*\(\w{2,6}\)(?=\s*$)") == 8  # look-behind reads before
    assert tail_reach(r"x(?=(?:sumber:.{0,9})?\s*$)") == 1 + 16
    assert tail_reach(r"(?:ab$|c\Z)") == 2 and tail_reach(r"(?:ab$|c)") is None
    assert tail_reach(r"\(\w+\)\s*$") is None  # unbounded
    assert tail_reach(r"\(ant\)") is None and tail_reach(r"\(ant\)(?!\s*$)") is None


_REACHING = {  # shape: endings that match it
    r"(?<=[.!?])\s*\((?:ant|AFP)\)\s*$":
        [". (ant)", "!  (AFP)  ", ".(ant)", "." + " " * 9 + "(ant)"],
    r"\s?\(\s*[a-z]{2,4}(?:/[a-z]{2,3})?\)(?=\s*$)": [" (ab/cd)", "( xyz) ", "(abc)"],
    r"(?i:(?<=\S)\s*(?:Loading\.{2,3}\s*)?Ikuti\s+kanal(?=(?:sumber\s*:[^\n]{0,9})?\s*$))":
        ["x Loading... Ikuti  kanal", "a.IKUTI kanalsumber: abc", "b   ikuti\tkanal ",
         "c" + " " * 30 + "Loading.." + " " * 20 + "Ikuti kanal"],
    r"(?:x\s){0,3}y\s*$": ["x x y", "y", "x x x  y  "],
}


def test_nonspace_width_and_tail_reach_hold_in_every_match_of_random_lines():
    """Random lines of each shape's own words, spaces and a few characters: no match (of
    the whole stripped line) holds more characters other than white space than the
    shape's width, and none starts further from the line's end than its reach; so a
    search from where ``stages`` starts it finds what a search from the start does."""
    from cleaner.stages import _nonspace, _tail_start

    rnd = random.Random(11)
    matched = 0
    for shape in _SHAPES + _ENDINGS + list(_REACHING):
        pattern = regex.compile(shape)
        width, reach = nonspace_width(shape), tail_reach(shape)
        words = sorted(set(regex.findall(r"(?<!\\)[A-Za-z]{2,}", shape)))
        pieces = words + list(" \t\u00a0:/().!-1abcxyz") + ["  ", "...", "sumber:"]
        for _ in range(3000):
            line = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 14)))
            bare = line.strip()
            if width is not None and pattern.fullmatch(bare):
                matched += 1
                assert _nonspace(bare) <= width, (shape, line)
            if reach is not None:
                for m in pattern.finditer(line):
                    matched += 1
                    assert _nonspace(line[m.start():]) <= reach, (shape, line)
    assert matched > 300
    moved = 0
    for shape, endings in _REACHING.items():
        pattern, reach = regex.compile(shape), tail_reach(shape)
        assert reach is not None, shape
        for _ in range(2000):
            filler = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 60)))
            line = filler + rnd.choice(endings) + rnd.choice(["", " ", "x", "(ant)"])
            for pos in (0, 3):
                start = _tail_start(line, pos, reach)
                moved += start > pos
                first, later = pattern.search(line, pos), pattern.search(line, start)
                assert (first and first.span()) == (later and later.span()), (shape, line)
    assert moved > 1000


def test_nonspace_width_and_tail_reach_hold_in_every_match_of_a_bundled_rule():
    from cleaner.stages import _nonspace

    checked = 0
    for rule in _bundled_rules():
        width, reach = nonspace_width(rule.source), tail_reach(rule.source)
        for line in _example_lines(rule):
            bare = line.strip()
            if width is not None and rule.scope != "inline" and rule.pattern.fullmatch(bare):
                checked += 1
                assert _nonspace(bare) <= width, rule.id
            if reach is not None and rule.scope == "inline":
                for m in rule.pattern.finditer(line):
                    checked += 1
                    assert _nonspace(line[m.start():]) <= reach, rule.id
    assert checked > 100


def test_start_key_table_is_start_key_of_every_character():
    from array import array

    from cleaner.literals import BMP, start_key_table

    keys = array("I")
    keys.frombytes(start_key_table())
    assert keys.tolist() == [ord(start_key(c)) for c in BMP]


def test_compiled_gate_equals_the_scan_and_line_ends_in_python():
    """Lines of the bundled examples, shuffled and joined with noise: the compiled gate
    names, per line, the scan's rules that ``allowed_by`` lets through for the line's
    ends (every rule when an end is above U+FFFF), and no blank line."""
    from cleaner._literals import scan_lines

    from cleaner import Cleaner

    rnd = random.Random(5)
    cleaner = Cleaner()
    pool = [line for rule in _bundled_rules() for line in _example_lines(rule)]
    pool += ["", "   ", "\u200b", "ÉTÉ (ant)", "𝐁aca juga: x", "x 😀", "ß/ẞ (AFP)", "\t(ant)\t"]
    named = 0
    for site in [None, *cleaner.book.sites]:
        gate = cleaner._matcher(site)._gate
        for _ in range(60):
            text = "\n".join(rnd.choice(pool) for _ in range(rnd.randint(1, 30)))
            lines = split_lines(text)
            found = gate.lines(text, lines)
            expected = {}
            for i, mask in scan_lines(gate.table, text.casefold()):
                bare = lines[i].stripped
                wide = bare and max(map(ord, bare[:3] + bare[-1])) > 0xFFFF
                if bare and (allowed := mask if wide else mask & gate.allowed_by(bare)):
                    expected[i] = allowed
            assert found == expected, text
            named += len(found)
    assert named > 1000
    with pytest.raises(ValueError, match="not the text's"):
        gate.lines("Baca juga: x\nBaca juga: y", split_lines("Baca juga: x"))


def test_literal_scan_names_every_literal_a_line_holds():
    from cleaner._literals import build, scan

    literals = [b"(", b"juga", b"ju", b"antara news", b"antara", b"ab", b"bc"]
    table = build(literals, [1 << i for i in range(len(literals))])

    def found(line: str) -> set[bytes]:
        mask = scan(table, line)
        return {lit for i, lit in enumerate(literals) if mask >> i & 1}

    assert found("baca juga (foto)") == {b"(", b"juga", b"ju"}
    assert found("kata antara news") == {b"antara news", b"antara"}
    assert found("abc") == {b"ab", b"bc"}  # overlapping
    assert found("café (antara) ju") == {b"(", b"antara", b"ju"}  # text not ASCII
    assert found("antar") == set() and found("") == set() and found("j") == set()
    assert found("x" * 1000 + "bc") == {b"bc"}
    with pytest.raises(TypeError):
        build([b""], [1])


def test_literal_scan_by_line_with_wide_masks_and_literals_not_ascii():
    from cleaner._literals import build, scan_lines

    literals = ["©", "baca", "»", "ju", "juga"]
    masks = [1, 1 << 70, 1 << 130, 1 << 255, 1 << 64]
    table = build([lit.encode() for lit in literals], masks)
    text = "© 2024\n\nbaca juga: x »\ntidak ada\nju"
    assert scan_lines(table, text) == [
        (0, 1), (2, (1 << 70) | (1 << 130) | (1 << 255) | (1 << 64)), (4, 1 << 255)]
    assert scan_lines(table, "") == [] and scan_lines(table, "\n\n©") == [(2, 1)]
    for bad, error in (([-1], ValueError), ([1 << 512], ValueError), (["1"], TypeError)):
        with pytest.raises(error):
            build([b"a"], bad)
    with pytest.raises(TypeError, match="line break"):
        build([b"a\nb"], [1])
    with pytest.raises(ValueError, match="paired"):
        build([b"a"], [1], 1 << 256)


def test_literal_scan_reports_a_paired_bit_only_with_its_partner():
    """A rule that needs a literal of each of two sets: its bit b is paired, the second
    set's literals carry bit b + 256, and a line is named for it only when it holds one
    of each; the partner bits themselves are never reported."""
    from cleaner._literals import build, scan, scan_lines

    literals = [b"foto", b"dok", b"/", b":", b"baca"]
    masks = [1, 1, 1 << 256, 1 << 256, 2]
    table = build(literals, masks, 1)
    assert scan(table, "foto: x") == 1 and scan(table, "dok/ab") == 1
    assert scan(table, "foto x") == 0 and scan(table, "a/b: c") == 0
    assert scan(table, "baca") == 2 and scan(table, "baca foto") == 2
    assert scan_lines(table, "foto saja\n1/2\ndok: x\nbaca / foto") == [(2, 1), (3, 3)]
    unpaired = build(literals, masks)  # bit 0 needs nothing: reported alone
    assert scan(unpaired, "foto x") == 1 and scan(unpaired, "a/b") == 0


def test_the_character_tables_are_what_they_say():
    from cleaner.literals import BMP, SAME_FOLDED

    assert [ord(c) for c in BMP] == list(range(0x10000))
    assert SAME_FOLDED == bytes(c.casefold() == c for c in BMP)


def test_literal_scan_folds_the_text_itself_as_str_casefold_does():
    """Given the table of characters that fold to themselves, scan_lines folds the text
    itself (ASCII lowered, others kept) with the result of scanning text.casefold(), or
    says None where a character needs str.casefold."""
    from cleaner._literals import build, scan_lines

    from cleaner.literals import SAME_FOLDED

    rnd = random.Random(7)
    literals = ["baca", "juga", "é", "“", "(c)", "ab", "»"]
    table = build([lit.encode() for lit in literals], [1 << i for i in range(len(literals))])
    alphabet = "abcABC jugaJUGA(é“»\n"
    for _ in range(2000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        assert scan_lines(table, text, SAME_FOLDED) == scan_lines(table, text.casefold())
    for needs in ("BACA É", "straße", "x\U0001D400", "ΣΑ"):
        assert scan_lines(table, needs, SAME_FOLDED) is None
    with pytest.raises(ValueError, match="65536"):
        scan_lines(table, "x", b"short")


def test_literal_scan_equals_a_plain_search_for_each_literal():
    """Many literals of every length, sharing first bytes and four-byte heads, over
    random lines of their own letters: the scan finds exactly those a line holds."""
    from cleaner._literals import build, scan

    rnd = random.Random(5)
    alphabet = "abcdé "
    literals = sorted({"".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 9)))
                       for _ in range(400)} - {""})
    encoded = [lit.encode() for lit in literals]
    table = build(encoded, [1 << (i % 256) for i in range(len(literals))])
    for _ in range(2000):
        line = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        want = 0
        for i, lit in enumerate(literals):
            if lit in line:
                want |= 1 << (i % 256)
        assert scan(table, line) == want, line


def _rule(rule_id: str, scope: str, source: str, order: int) -> Rule:
    return Rule(rule_id, "credit", scope, "", source, regex.compile(source), None, 0, None,
                False, (), (), "test", order)


def _inline_both_ways(matcher: Matcher, text: str) -> tuple[list, list]:
    """Inline proposals with the rules' searches merged, and with the combined pattern."""
    lines = split_lines(text)
    merged = [p for p in matcher.propose(text, lines) if p.rank[0] == 1]
    matcher._inline_merged = False
    try:
        combined = [p for p in matcher.propose(text, lines) if p.rank[0] == 1]
    finally:
        matcher._inline_merged = True
    return merged, combined


def test_merged_inline_search_equals_the_combined_pattern():
    rules = [
        _rule("t.paren", "inline", r"\(\w{2,5}\)", 0),
        _rule("t.paren-slash", "inline", r"\(\w{2,5}/\w{2,5}\)", 1),
        _rule("t.after-stop", "inline", r"(?<=\.)\s*\([a-z]+(?:/[a-z]+)?\)", 2),
        _rule("t.long", "inline", r"\(ab\) \(cd\)", 3),
    ]
    matcher = Matcher(rules)
    assert matcher._inline_merged
    text = ("Kata dia. (ab) (cd) lalu (ab/cd) dan (xy).\n"
            "Tanpa tanda kurung sama sekali.\n"
            "Akhir. (abc/de)(fg) (hi)")
    merged, combined = _inline_both_ways(matcher, text)
    assert merged == combined
    # first rule in order wins where two match at the same place; the longer match of
    # a later rule at an earlier place wins over both
    assert [(p.rule, text[p.start:p.end]) for p in merged][:3] == [
        ("t.after-stop", " (ab)"), ("t.paren", "(cd)"), ("t.paren-slash", "(ab/cd)")]


def test_merged_inline_search_equals_the_combined_pattern_on_bundled_examples():
    book = load_rules()
    lines = [line for r in _bundled_rules() for line in _example_lines(r)]
    text = "\n".join(lines)
    found = 0
    for pack in [None, *(p for p in book.packs if p.kind == "site")]:
        packs = [p for p in book.packs if p.kind != "site"] + ([pack] if pack else [])
        matcher = Matcher([r for p in packs for r in p.rules])
        assert matcher._inline_merged
        merged, combined = _inline_both_ways(matcher, text)
        assert merged == combined, pack
        found += len(merged)
    assert found > 20
