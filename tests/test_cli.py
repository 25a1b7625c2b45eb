"""The command line as a user runs it: inputs of every kind, output records, the
summary, the rejects stream and exit codes for every kind of bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import FIXTURES, REPO, run_cli

SEEDS = FIXTURES / "seeds" / "input"
STORY = "Judul Berita\nJAKARTA - Harga cabai naik tajam pekan ini, kata pedagang.\n"


def records(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.decode("utf-8").splitlines()]


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_clean_txt_files():
    proc = run_cli("clean", *sorted(str(p) for p in SEEDS.glob("*.txt")))
    assert proc.returncode == 0, proc.stderr
    out = records(proc.stdout)
    assert [r["id"] for r in out] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    original = (SEEDS / "000_9c4c70f6268eace6.txt").read_text(encoding="utf-8")
    for span in out[0]["removed"]:
        assert original[span["start"]:span["end"]] == span["text"]
        assert set(span) == {"start", "end", "rule", "category", "text"}
    assert "Copyright" not in out[0]["text"]
    assert b"5 documents in, 5 out, 0 dropped, 0 rejected" in proc.stderr


def test_clean_directory_recursive(tmp_path):
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    (sub / "one.txt").write_text(STORY + "Advertisement\n", encoding="utf-8")
    write_jsonl(tmp_path / "a" / "two.jsonl", [{"id": "x", "text": STORY}])
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    proc = run_cli("clean", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert sorted(r["id"] for r in records(proc.stdout)) == ["one", "x"]


def test_jsonl_passthrough_and_output_file(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [
        {"id": 7, "text": STORY + "Advertisement", "source": "detik", "extra": {"k": [1, 2]},
         "url": "https://news.detik.com/x"},
    ])
    out = tmp_path / "out" / "clean.jsonl"
    proc = run_cli("clean", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b""
    [rec] = records(out.read_bytes())
    assert rec["id"] == 7 and rec["extra"] == {"k": [1, 2]} and rec["source"] == "detik"
    assert rec["text"] == STORY.strip()
    assert [s["category"] for s in rec["removed"]] == ["ad"]
    assert not list(out.parent.glob(".*.part"))


def test_jsonl_gz_and_stdin(tmp_path):
    gz = tmp_path / "in.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "g", "text": STORY}) + "\n")
    proc = run_cli("clean", str(gz))
    assert proc.returncode == 0 and records(proc.stdout)[0]["id"] == "g"
    proc = run_cli("clean", "-", stdin=(json.dumps({"id": "s", "text": STORY}) + "\n").encode())
    assert proc.returncode == 0 and records(proc.stdout)[0]["id"] == "s"
    proc = run_cli("clean", stdin=(json.dumps({"id": "d", "text": STORY}) + "\n").encode())
    assert proc.returncode == 0 and records(proc.stdout)[0]["id"] == "d"


def test_site_option_forces_pack(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": STORY}])
    proc = run_cli("explain", str(src), "--site", "detik", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["documents"][0]["site"] == "detik"
    proc = run_cli("clean", str(src), "--site", "no-such-outlet")
    assert proc.returncode == 2 and b"no-such-outlet" in proc.stderr


BAD_CASES = {
    "missing": (None, "no such file"),
    "invalid_utf8.txt": (b"Judul\n\xff\xfe cerita\n", "invalid UTF-8"),
    "binary.txt": (b"\x00\x01\x02PNG", "binary file"),
    "empty.txt": (b"  \n\n", "empty document"),
    "bad.jsonl": (b'{"id": "ok1", "text": "Cerita satu."}\n{not json\n', "not valid JSON"),
    "notext.jsonl": (b'{"id": "n1", "body": "x"}\n', "no 'text' field"),
    "emptytext.jsonl": (b'{"id": "e1", "text": "   "}\n', "empty document"),
    "array.jsonl": (b'[1, 2]\n', "a JSON object is expected"),
    "badutf8.jsonl": (b'{"id": "u1", "text": "caf\xe9"}\n', "invalid UTF-8"),
    "surrogate.jsonl": (b'{"id": "s1", "text": "caf\\ud800 ok"}\n', "lone surrogate"),
    "deep.jsonl": (b'{"id": "d1", "text": "x", "y": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",
                   "nested too deeply"),
    "weird.csv": (b"a,b\n", "unsupported file type"),
    "broken.jsonl.gz": (b"not gzip at all", "cannot read gzip"),
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_input_is_rejected_not_lost(tmp_path, name):
    content, reason = BAD_CASES[name]
    bad = tmp_path / name
    if content is not None:
        bad.write_bytes(content)
    good = write_jsonl(tmp_path / "good.jsonl", [{"id": "g1", "text": STORY}])
    rejects = tmp_path / "rejects.jsonl"
    proc = run_cli("clean", str(bad), str(good), "--rejects", str(rejects))
    assert proc.returncode == 1
    ids = [r["id"] for r in records(proc.stdout)]
    assert "g1" in ids  # the rest of the input is still processed
    assert reason.encode() in proc.stderr and name.encode() in proc.stderr
    rej = [json.loads(x) for x in rejects.read_text(encoding="utf-8").splitlines()]
    assert len(rej) == 1 and reason in rej[0]["reason"] and name in rej[0]["origin"]
    summary = proc.stderr.decode().strip().splitlines()[-1]
    n_out = len(ids)
    assert f"{n_out + 1} documents in, {n_out} out, 0 dropped, 1 rejected" in summary


def test_bad_jsonl_line_names_line_number(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": "a", "text": "Cerita."}\n\n{"id": "b", "text": 5}\n')
    proc = run_cli("clean", str(src))
    assert proc.returncode == 1
    assert f"{src}:3".encode() in proc.stderr
    assert [r["id"] for r in records(proc.stdout)] == ["a"]


def test_number_too_long_to_read_is_a_reject(tmp_path):
    # json.loads raises a plain ValueError for an int of more than 4,300 digits
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": "a", "text": "Cerita.", "n": ' + b"9" * 5000 + b"}\n"
                    b'{"id": "b", "text": "Cerita lain."}\n')
    proc = run_cli("clean", str(src))
    assert proc.returncode == 1
    assert f"{src}:1".encode() in proc.stderr and b"digits" in proc.stderr
    assert [r["id"] for r in records(proc.stdout)] == ["b"]


def test_unreadable_file_rejected(tmp_path, monkeypatch, capsys):
    from cleaner import cli

    src = tmp_path / "locked.txt"
    src.write_text(STORY, encoding="utf-8")

    read_bytes = Path.read_bytes

    def deny(self):  # the input only: the rule files are read the same way
        if self == src:
            raise PermissionError(13, "Permission denied")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    code = cli.main(["clean", str(src)])
    err = capsys.readouterr().err
    assert code == 1
    assert "locked.txt" in err and "Permission denied" in err


def test_usage_errors_exit_2():
    assert run_cli("clean", "--no-such-flag").returncode == 2
    assert run_cli().returncode == 2


def test_explain_text_and_json():
    seed = str(SEEDS / "003_865d406f04fe1d93.txt")
    proc = run_cli("explain", seed)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    assert "tulis komentar anda" in text and "comment" in text
    assert "Spans removed per rule" in text
    proc = run_cli("explain", seed, "--format", "json")
    data = json.loads(proc.stdout)
    doc = data["documents"][0]
    assert doc["id"] == "003_865d406f04fe1d93"
    assert {s["category"] for s in doc["removed"]} >= {"meta", "caption", "credit", "comment",
                                                       "cta", "related"}
    assert sum(data["rules"].values()) == len(doc["removed"])


def test_rules_check_bundled():
    proc = run_cli("rules", "check")
    assert proc.returncode == 0, proc.stderr
    assert b"all pass" in proc.stdout


def test_console_script_entry_point():
    import tomllib

    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["scripts"]["cleaner"] == "cleaner.cli:main"


def test_workers_give_identical_output(tmp_path):
    from .conftest import CORPUS

    sample = tmp_path / "sample.jsonl"
    rows = (FIXTURES / "outlets" / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    corpus = CORPUS / "id-news" / "scraped-older.jsonl"
    if corpus.exists():
        with corpus.open(encoding="utf-8") as fh:
            rows += [next(fh).rstrip("\n") for _ in range(400)]
    longest = max(rows, key=len)  # and a copy of one article, so dedup has work to do
    rows.append(json.dumps(dict(json.loads(longest), id="copy-of-longest")))
    sample.write_text("\n".join(rows) + "\n", encoding="utf-8")
    one = run_cli("run", str(sample), "--workers", "1")
    two = run_cli("run", str(sample), "--workers", "2")
    assert one.returncode == two.returncode == 0, two.stderr
    assert one.stdout == two.stdout and one.stdout.count(b"\n") == len(rows)
    cleaned = tmp_path / "cleaned.jsonl"
    cleaned.write_bytes(one.stdout)
    # dedup alone signs in its workers: the same again
    one = run_cli("dedup", str(cleaned), "--workers", "1")
    two = run_cli("dedup", str(cleaned), "--workers", "2")
    assert one.returncode == two.returncode == 0, two.stderr
    assert one.stdout == two.stdout and one.stdout.count(b"\n") == len(rows)
    assert b"duplicate_of" in one.stdout
    assert run_cli("clean", str(sample), "--workers", "0").returncode == 2


_JSON_TEXT = st.text(alphabet=st.sampled_from(
    ['a', 'é', '"', '\\', '\n', '\r', '\t', '\b', '\f', '\x00', '\x1f', '\x7f', ' ', '€',
     '\u2028', '\ud800', '\U0001F600', '/']), max_size=12)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(_JSON_TEXT | st.integers(0, 3), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=2000, deadline=None)
@given(_JSON_VALUES)
def test_record_lines_equal_json_dumps(value):
    """Output lines are json.dumps(..., ensure_ascii=False) exactly, and in UTF-8 with
    a line break: the compiled writer for plain values (escapes, numbers, nesting), the
    json module for the rest (NaN and infinities, keys that are not str, lone surrogates,
    which UTF-8 cannot carry), which the compiled one hands back (None)."""
    import json
    import math

    from cleaner._jsonl import dumps as compiled
    from cleaner._jsonl import line as compiled_line
    from cleaner._jsonl import lone_surrogate

    from cleaner.io import dumps, dumps_line

    want = json.dumps(value, ensure_ascii=False)
    assert dumps(value) == want
    fast = compiled(value)
    assert fast is None or fast == want
    fast_line = compiled_line(value)
    assert (fast_line is None) == (fast is None)
    assert fast_line is None or fast_line == (want + "\n").encode("utf-8")

    def plain(v) -> bool:
        if isinstance(v, float):
            return math.isfinite(v)
        if isinstance(v, str):
            return not any("\ud800" <= c <= "\udfff" for c in v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain(k) and plain(x) for k, x in v.items())
        if isinstance(v, list | tuple):
            return all(map(plain, v))
        return True

    assert (fast is not None) == plain(value)

    def lone(v) -> bool:
        if isinstance(v, str):
            return any("\ud800" <= c <= "\udfff" for c in v)
        if isinstance(v, dict):
            return any(lone(k) or lone(x) for k, x in v.items())
        if isinstance(v, list | tuple):
            return any(map(lone, v))
        return False

    assert lone_surrogate(value) == lone(value)
    if not lone(value):
        assert dumps_line(value) == (want + "\n").encode("utf-8")


@settings(max_examples=2000, deadline=None)
@given(_JSON_VALUES, st.booleans(), st.sampled_from([(", ", ": "), (",", ":"), (" ,\t", " :\r\n")]))
def test_compiled_reader_reads_what_json_loads_reads(value, ascii_only, separators):
    """``_jsonl.loads`` of a line gives what ``json.loads`` does, or None (the caller
    then asks the json module): None only for what it leaves to it (NaN and infinities,
    lone surrogates, deep nesting) and for ``null``."""
    from cleaner._jsonl import loads, lone_surrogate

    try:
        text = json.dumps(value, ensure_ascii=ascii_only, separators=separators)
        data = text.encode("utf-8")
    except (ValueError, UnicodeEncodeError):  # a lone surrogate cannot be UTF-8
        return
    got = loads(b" " + data + b"\n")
    want = json.loads(text)
    if got is None:
        assert want is None or "NaN" in text or "Infinity" in text or lone_surrogate(want), \
            text
    else:
        assert got == want and type(got) is type(want)
        assert json.dumps(got) == json.dumps(want)  # floats and ints alike, keys in order


def test_compiled_reader_leaves_what_is_not_json_to_the_json_module():
    from cleaner._jsonl import loads

    bad = [b"", b" ", b"{", b'{"a":1}{', b'{"a" 1}', b'{"a":1,}', b"[1,]", b"01", b"1.",
           b"1e", b"-", b"+1", b".5", b"NaN", b"-Infinity", b"tru", b"nul",
           rb'"\x"', rb'"\u12"', b'"a\nb"', b'"tab\there"',  # bad escape, raw controls
           rb'"\ud800"', rb'"\udc00x"', rb'"\ud800\u0041"',  # lone surrogates
           b'"\xe9"', b'"\xed\xa0\x80"', b"\xef\xbb\xbf{}",  # not UTF-8, a surrogate, BOM
           b"[" * 70 + b"]" * 70, b"1" * 5000, b"{'a': 1}", b'{"a":1}x']
    for data in bad:
        assert loads(data) is None, data
    assert loads(b'{"a":1,"a":2,"b":3}') == {"a": 2, "b": 3}
    assert list(loads(b'{"b":1,"a":2,"b":3}')) == ["b", "a"]
    assert loads(b"[" * 60 + b"]" * 60) is not None
    assert loads(b'"\\u0000\\ud83d\\ude00\\/"') == "\x00\U0001F600/"
    assert loads(b"-0.0e-0") == json.loads("-0.0e-0") and loads(b"1E400") == float("inf")


def test_record_lines_write_rounded_signals_as_repr_does():
    """The quality signals are rounded to four places or fewer; the compiled writer
    writes such a float as its decimal: what repr writes, checked on every value of up
    to four places below 2 and on edges (half-steps, 10**6, -0.0, tiny and huge)."""
    import random

    from cleaner._jsonl import dumps as compiled

    values = [k / 10 ** p for p in range(5) for k in range(2 * 10 ** p + 1)]
    values += [round(random.Random(3).random() * 10 ** e, p) for e in range(8) for p in range(6)]
    values += [0.00005, 0.00015, 2.675, 0.1 + 0.2, 999999.9999, 1e6, 123456.7891, -0.0,
               -0.5, 5e-324, 1e-05, 1e16, 1.7976931348623157e308]
    for v in values:
        assert compiled(v) == repr(v) == json.dumps(v), v


def test_record_lines_hand_back_what_they_cannot_write():
    from collections import OrderedDict
    from enum import IntEnum

    from cleaner._jsonl import dumps as compiled

    from cleaner.io import dumps

    class Level(IntEnum):
        LOW = 1

    nested: list = []
    for _ in range(100):
        nested = [nested]
    for value in (OrderedDict(a=1), {"a": Level.LOW}, {1: "x"}, float("nan"), nested):
        assert compiled(value) is None
        assert dumps(value) == json.dumps(value, ensure_ascii=False)
