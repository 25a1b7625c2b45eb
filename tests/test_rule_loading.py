"""Malformed packs are refused at load, naming the file, the rule and the reason; a
runaway pattern fails its document with a clear error instead of hanging."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cleaner import Cleaner, RuleError, RuleTimeout, load_rules

from .conftest import REPO, run_cli

GOOD = """
[pack]
name = "{name}"
description = "test pack"
{extra_header}

[[rules]]
id = "{name}.ad"
category = "ad"
scope = "line"
reason = "ad marker"
phrases = ["Iklan Baris"]
examples.remove = ["Iklan Baris"]
examples.keep = ["Iklan baris itu dipasang di koran."]
"""


def make_rules(tmp_path: Path, lang_pack: str, site_pack: str | None = None) -> Path:
    root = tmp_path / "rules"
    (root / "common").mkdir(parents=True)
    (root / "id").mkdir()
    (root / "sites").mkdir()
    (root / "id" / "base.toml").write_text(lang_pack, encoding="utf-8")
    if site_pack is not None:
        (root / "sites" / "koran.toml").write_text(site_pack, encoding="utf-8")
    return root


def good(name: str = "base", extra_header: str = "") -> str:
    return GOOD.format(name=name, extra_header=extra_header)


def test_good_pack_loads(tmp_path):
    book = load_rules(make_rules(tmp_path, good()))
    assert [r.id for p in book.packs for r in p.rules] == ["base.ad"]


@pytest.mark.parametrize(
    "mutate, rule, reason",
    [
        (lambda t: t.replace('reason = "ad marker"', 'reason = "ad marker"\ncolour = "red"'),
         "base.ad", "unknown key"),
        (lambda t: t.replace('phrases = ["Iklan Baris"]', "pattern = '''Iklan (Baris'''"),
         "base.ad", "not a valid regex"),
        (lambda t: t.replace('category = "ad"', 'category = "advert"'), "base.ad",
         "category 'advert'"),
        (lambda t: t.replace('scope = "line"', 'scope = "page"'), "base.ad", "scope 'page'"),
        (lambda t: t.replace('examples.keep = ["Iklan baris itu dipasang di koran."]',
                             'examples.keep = ["Iklan Baris"]'), "base.ad", "keep example"),
        (lambda t: t.replace('examples.remove = ["Iklan Baris"]',
                             'examples.remove = ["Iklan Mini"]'), "base.ad", "remove example"),
        (lambda t: t.replace('id = "base.ad"', 'id = "other.ad"'), "other.ad",
         "must start with the pack name"),
        (lambda t: t.replace('reason = "ad marker"\n', ""), "base.ad", "'reason' is required"),
        (lambda t: t + t[t.index("[[rules]]"):], "base.ad", "duplicate rule id"),
        (lambda t: t.replace('scope = "line"', 'scope = "block"'), "base.ad", "needs 'follow'"),
        (lambda t: t.replace('phrases = ["Iklan Baris"]', "pattern = '''(\\\\w+) \\\\1'''"),
         "base.ad", "backreferences"),
    ],
)
def test_malformed_pack_refused(tmp_path, mutate, rule, reason):
    root = make_rules(tmp_path, mutate(good()))
    with pytest.raises(RuleError) as info:
        load_rules(root)
    message = str(info.value)
    assert "base.toml" in message
    assert repr(rule) in message
    assert reason in message


def test_bad_toml_refused(tmp_path):
    root = make_rules(tmp_path, good().replace("[[rules]]", "[[rules]"))
    with pytest.raises(RuleError, match=r"base\.toml: invalid TOML"):
        load_rules(root)


def test_duplicate_pack_name_refused(tmp_path):
    root = make_rules(tmp_path, good())
    (root / "id" / "second.toml").write_text(good(), encoding="utf-8")
    with pytest.raises(RuleError, match=r"second\.toml: pack name 'base' is also used by"):
        load_rules(root)


def test_site_pack_needs_matching_name(tmp_path):
    root = make_rules(tmp_path, good(), good("other", 'sites = ["koran"]'))
    with pytest.raises(RuleError, match="koran.toml.*file name"):
        load_rules(root)


def test_site_detection(tmp_path):
    site = good("koran", 'sites = ["koran"]\ndomains = ["koran.id"]\n'
                "datelines = ['''KORAN\\.ID\\s*-''']")
    site = site.replace('phrases = ["Iklan Baris"]', 'phrases = ["Iklan Baris"]')
    book = load_rules(make_rules(tmp_path, good(), site))
    assert book.detect_site("koran", None, "").name == "koran"
    assert book.detect_site(None, "https://www.koran.id/a/b", "").name == "koran"
    assert book.detect_site(None, None, "JAKARTA, KORAN.ID - Harga naik.").name == "koran"
    assert book.detect_site("lain", "https://lain.com/x", "Harga naik.") is None


def slow_pack() -> str:
    """A pack whose pattern backtracks exponentially on a long run of 'a's."""
    return good().replace(
        'phrases = ["Iklan Baris"]', "pattern = '''(?:a|aa)+b'''"
    ).replace('examples.remove = ["Iklan Baris"]', 'examples.remove = ["aab"]').replace(
        "Iklan baris itu dipasang di koran.", "b a"
    )


def test_catastrophic_pattern_times_out(tmp_path):
    root = make_rules(tmp_path, slow_pack())
    cleaner = Cleaner(root, timeout=0.2)
    with pytest.raises(RuleTimeout) as info:
        # the line ends in 'b', as every match does, or the pattern would not be tried
        cleaner.clean("Judul\n" + "a" * 60 + "cb\nCerita.")
    assert "base.ad" in str(info.value) and "line 2" in str(info.value)


def test_runaway_right_to_left_pattern_is_named(tmp_path):
    # opens with a wide wildcard, so it is matched right to left, where it explodes
    # (the line holds an "x", the pattern's literal, or it would not be tried at all)
    pack = good().replace('phrases = ["Iklan Baris"]', "pattern = '''.{0,40}x(?:a|aa)+'''"
                          ).replace('examples.remove = ["Iklan Baris"]',
                                    'examples.remove = ["zxaa"]')
    cleaner = Cleaner(make_rules(tmp_path, pack), timeout=0.2)
    with pytest.raises(RuleTimeout) as info:
        cleaner.clean("Judul\nxc" + "a" * 60 + "\nCerita.")
    assert "base.ad" in str(info.value) and "line 2" in str(info.value)


def test_cli_rejects_document_on_timeout(tmp_path):
    root = make_rules(tmp_path, slow_pack())
    data = tmp_path / "in.jsonl"
    data.write_text(
        json.dumps({"id": "slow", "text": "a" * 60 + "cb"}) + "\n"
        + json.dumps({"id": "ok", "text": "Iklan Baris\nCerita."}) + "\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.jsonl"
    # The timeout is the library default; 60 'a's make the pattern explode well past it
    # (the line ends in 'b', as every match does, or the pattern would not be tried).
    proc = run_cli("clean", str(data), "--rules", str(root), "--rejects", str(rejects))
    assert proc.returncode == 1
    out = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [r["id"] for r in out] == ["ok"]
    rej = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert rej[0]["id"] == "slow" and "base.ad" in rej[0]["reason"]
    assert json.loads(rej[0]["raw"])["text"] == "a" * 60 + "cb"


def test_rules_check_cli_reports_every_failure(tmp_path):
    root = make_rules(tmp_path, good().replace('examples.remove = ["Iklan Baris"]',
                                               'examples.remove = ["Iklan Mini"]'))
    proc = run_cli("rules", "check", "--rules", str(root))
    assert proc.returncode == 1
    assert b"base.toml: rule 'base.ad': remove example" in proc.stderr


def test_cli_bad_rules_dir_is_usage_error(tmp_path):
    root = make_rules(tmp_path, good().replace("[[rules]]", "[[rules]"))
    proc = run_cli("clean", "--rules", str(root), str(REPO / "fixtures"))
    assert proc.returncode == 2
    assert b"base.toml" in proc.stderr and b"invalid TOML" in proc.stderr


def test_bundled_rules_copy_is_self_contained(tmp_path):
    copy = tmp_path / "bundled"
    shutil.copytree(REPO / "rules", copy)
    assert load_rules(copy).packs


def test_a_loaded_rules_directory_is_kept_and_read_back(tmp_path, monkeypatch):
    """The first load checks the examples and keeps what it worked out; the next load of
    the same files reads it back instead (no example is run) and cleans the same."""
    import cleaner.examples
    from cleaner import literals

    monkeypatch.setenv("CLEANER_CACHE", str(tmp_path / "cache"))
    root = make_rules(tmp_path, good())
    first = Cleaner(rules=root)
    text = "Harga cabai naik.\nIklan Baris\nWarga mengeluh."
    want = first.clean(text)
    kept = list((tmp_path / "cache").glob("rules-*.json"))
    assert len(kept) == 1

    def no_check(pack):
        raise AssertionError("examples run again")

    monkeypatch.setattr(cleaner.examples, "check_pack", no_check)
    analyses = literals.kept_analyses()
    for results in literals._KEPT.values():
        results.clear()
    again = Cleaner(rules=root)
    assert literals.kept_analyses()["required_literal_sets"] == \
        analyses["required_literal_sets"]
    assert again.clean(text) == want and [s.rule for s in want.removed] == ["base.ad"]


def test_a_changed_rule_is_checked_again_despite_what_was_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANER_CACHE", str(tmp_path / "cache"))
    root = make_rules(tmp_path, good())
    load_rules(root)
    pack = root / "id" / "base.toml"
    pack.write_text(good().replace('examples.remove = ["Iklan Baris"]',
                                   'examples.remove = ["Iklan Koran"]'), encoding="utf-8")
    with pytest.raises(RuleError, match="not removed"):
        load_rules(root)
    assert len(list((tmp_path / "cache").glob("rules-*.json"))) == 1


@pytest.mark.parametrize("setting", ["off", "a file, not a directory", "unreadable"])
def test_rules_load_whatever_the_cache(tmp_path, monkeypatch, setting):
    """Keeping off, a cache path that cannot be a directory, or a kept file that is not
    JSON: the rules load (and are checked) as without a cache."""
    root = make_rules(tmp_path, good())
    cache = tmp_path / "cache"
    if setting == "off":
        monkeypatch.setenv("CLEANER_CACHE", "off")
    elif setting == "a file, not a directory":
        cache.write_text("x", encoding="utf-8")
        monkeypatch.setenv("CLEANER_CACHE", str(cache))
    else:
        monkeypatch.setenv("CLEANER_CACHE", str(cache))
        load_rules(root)
        for kept in cache.glob("rules-*.json"):
            kept.write_text("{not json", encoding="utf-8")
    book = load_rules(root)
    assert [r.id for p in book.packs for r in p.rules] == ["base.ad"]
    if setting == "off":
        assert not cache.exists()
    if setting == "unreadable":  # read as missing, then written afresh
        [kept] = cache.glob("rules-*.json")
        assert json.loads(kept.read_text(encoding="utf-8"))["examples"] == "pass"


@pytest.mark.parametrize("line_break", ["\r\n", "\r"])
def test_a_pack_with_other_line_breaks_loads_as_with_unix_ones(tmp_path, monkeypatch,
                                                               line_break):
    """Line breaks are read as a text file reads them: CRLF and a lone CR are LF."""
    monkeypatch.setenv("CLEANER_CACHE", "off")
    unix = load_rules(make_rules(tmp_path / "unix", good()))
    other = load_rules(make_rules(tmp_path / "other", good().replace("\n", line_break)))
    assert [(r.id, r.source, r.remove_examples, r.keep_examples)
            for p in other.packs for r in p.rules] == \
        [(r.id, r.source, r.remove_examples, r.keep_examples)
         for p in unix.packs for r in p.rules]
