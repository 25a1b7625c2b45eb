"""Load, validate and compile rule packs (TOML files under ``rules/``).

A pack that is malformed in any way (bad TOML, unknown key, bad regex, duplicate
id, an example its rule gets wrong) is refused at load with the file, the rule id
and the reason. Nothing is silently skipped.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import regex

from . import cache, literals
from .model import CATEGORIES
from .quality import FlagRule, QualitySettings, parse_quality

SCOPES = ("line", "inline", "block", "tail")
PACK_KEYS = {"name", "description", "sites", "domains", "datelines", "disable"}
RULE_KEYS = {
    "id", "category", "scope", "reason", "pattern", "phrases", "case_sensitive",
    "follow", "max_lines", "max_after", "standalone", "examples",
}
EXAMPLE_KEYS = {"remove", "keep"}
DATELINE_WINDOW = 500
_BACKREF = regex.compile(r"\\[1-9]|\(\?P=|\\g<")


class RuleError(ValueError):
    """A rule pack is malformed; the message names the file, the rule and the reason."""

    def __init__(self, path: Path | str, reason: str, rule: str | None = None) -> None:
        self.path = str(path)
        self.rule = rule
        self.reason = reason
        where = f"{path}: rule {rule!r}" if rule else f"{path}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Rule:
    """One rule of a pack, compiled. ``order`` is its global precedence (lower wins)."""

    id: str
    category: str
    scope: str
    reason: str
    source: str
    pattern: regex.Pattern[str]
    follow: regex.Pattern[str] | None
    max_lines: int
    max_after: int | None
    standalone: bool
    remove_examples: tuple[str, ...]
    keep_examples: tuple[str, ...]
    path: str
    order: int


@dataclass(frozen=True)
class Pack:
    """A rule pack: its header and its rules in file order."""

    name: str
    kind: str  # "common", a language code, or "site"
    description: str
    path: str
    rules: tuple[Rule, ...]
    sites: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    datelines: tuple[regex.Pattern[str], ...] = ()
    disable: tuple[str, ...] = ()
    quality_flags: tuple[FlagRule, ...] = ()
    stopwords: frozenset[str] = frozenset()


def _wrap(source: str, case_sensitive: bool) -> str:
    return f"(?{'-i' if case_sensitive else 'i'}:{source})"


def _phrases_to_pattern(phrases: list[str]) -> str:
    parts = []
    for phrase in phrases:
        words = phrase.split()
        parts.append(r"\s+".join(regex.escape(w) for w in words))
    return "(?:" + "|".join(parts) + ")"


def _compile(path: Path, rule_id: str, what: str, source: str) -> regex.Pattern[str]:
    if _BACKREF.search(source):
        raise RuleError(path, f"{what}: backreferences are not supported", rule_id)
    try:
        return regex.compile(source)
    except regex.error as exc:
        raise RuleError(path, f"{what} is not a valid regex: {exc}", rule_id) from None


def _str_list(path: Path, rule_id: str | None, key: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(path, f"{key!r} must be a list of strings", rule_id)
    return list(value)


def _parse_rule(path: Path, pack: str, raw: object, order: int) -> Rule:
    if not isinstance(raw, dict):
        raise RuleError(path, "each [[rules]] entry must be a table")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RuleError(path, f"rule number {order % 100000 + 1} has no 'id'")
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise RuleError(path, f"unknown key(s) {sorted(unknown)}", rule_id)
    if not rule_id.startswith(pack + "."):
        raise RuleError(path, f"id must start with the pack name '{pack}.'", rule_id)
    category = raw.get("category")
    if category not in CATEGORIES:
        raise RuleError(path, f"category {category!r} is not one of {', '.join(CATEGORIES)}",
                        rule_id)
    scope = raw.get("scope")
    if scope not in SCOPES:
        raise RuleError(path, f"scope {scope!r} is not one of {', '.join(SCOPES)}", rule_id)
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise RuleError(path, "'reason' is required", rule_id)
    case_sensitive = raw.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool):
        raise RuleError(path, "'case_sensitive' must be true or false", rule_id)
    if ("pattern" in raw) == ("phrases" in raw):
        raise RuleError(path, "give exactly one of 'pattern' or 'phrases'", rule_id)
    if "pattern" in raw:
        if not isinstance(raw["pattern"], str) or not raw["pattern"]:
            raise RuleError(path, "'pattern' must be a non-empty string", rule_id)
        source = raw["pattern"]
    else:
        phrases = _str_list(path, rule_id, "phrases", raw["phrases"])
        if not phrases or not all(p.strip() for p in phrases):
            raise RuleError(path, "'phrases' must be non-empty strings", rule_id)
        source = _phrases_to_pattern(phrases)
    source = _wrap(source, case_sensitive)
    pattern = _compile(path, rule_id, "pattern", source)
    if pattern.match(""):
        raise RuleError(path, "pattern matches the empty string", rule_id)

    follow = None
    if scope == "block":
        if not isinstance(raw.get("follow"), str):
            raise RuleError(path, "a block rule needs 'follow' (a regex for the lines under "
                            "its header)", rule_id)
        follow = _compile(path, rule_id, "follow", _wrap(raw["follow"], case_sensitive))
    elif "follow" in raw or "max_lines" in raw:
        raise RuleError(path, "'follow' and 'max_lines' belong to block rules only", rule_id)
    max_lines = raw.get("max_lines", 10)
    if not isinstance(max_lines, int) or max_lines < 1:
        raise RuleError(path, "'max_lines' must be a positive integer", rule_id)
    max_after = raw.get("max_after")
    if max_after is not None:
        if scope != "tail":
            raise RuleError(path, "'max_after' belongs to tail rules only", rule_id)
        if not isinstance(max_after, int) or max_after < 0:
            raise RuleError(path, "'max_after' must be a non-negative integer", rule_id)

    standalone = raw.get("standalone", False)
    if not isinstance(standalone, bool):
        raise RuleError(path, "'standalone' must be true or false", rule_id)
    if standalone and scope != "line":
        raise RuleError(path, "'standalone' belongs to line rules only", rule_id)

    examples = raw.get("examples")
    if not isinstance(examples, dict):
        raise RuleError(path, "'examples' with 'remove' and 'keep' lists is required", rule_id)
    unknown = set(examples) - EXAMPLE_KEYS
    if unknown:
        raise RuleError(path, f"unknown key(s) in examples: {sorted(unknown)}", rule_id)
    remove = _str_list(path, rule_id, "examples.remove", examples.get("remove", []))
    keep = _str_list(path, rule_id, "examples.keep", examples.get("keep", []))
    if not remove or not keep:
        raise RuleError(path, "needs at least one 'remove' and one 'keep' example", rule_id)

    return Rule(
        id=rule_id, category=category, scope=scope, reason=reason.strip(), source=source,
        pattern=pattern, follow=follow, max_lines=max_lines, max_after=max_after,
        standalone=standalone, remove_examples=tuple(remove), keep_examples=tuple(keep),
        path=str(path), order=order,
    )


def _read_stopwords(path: Path, pack: Path) -> frozenset[str]:
    """One word a line; '#' starts a comment."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RuleError(pack, f"cannot read stopword file {path.name}: {exc.strerror}") from None
    return frozenset(w.strip().casefold() for w in lines if w.strip() and
                     not w.lstrip().startswith("#"))


def read_pack(path: Path, raw: bytes | None = None) -> dict[str, Any]:
    """A pack file's TOML, from its bytes ``raw`` when they were read already; raise
    RuleError naming the file."""
    try:
        text = (path.read_bytes() if raw is None else raw).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(path, f"cannot read: {exc}") from None
    try:  # line breaks as a file read as text gives them
        return tomllib.loads(text.replace("\r\n", "\n").replace("\r", "\n"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(path, f"invalid TOML: {exc}") from None


def load_pack(path: Path, kind: str, pack_index: int, data: dict[str, Any] | None = None
              ) -> Pack:
    """Parse (unless ``data``, its TOML, is given) and compile one pack file; raise
    RuleError naming the file and rule."""
    if data is None:
        data = read_pack(path)
    unknown = set(data) - {"pack", "rules", "quality"}
    if unknown:
        raise RuleError(path, f"unknown top-level key(s) {sorted(unknown)}")
    header = data.get("pack")
    if not isinstance(header, dict):
        raise RuleError(path, "missing [pack] header")
    unknown = set(header) - PACK_KEYS
    if unknown:
        raise RuleError(path, f"unknown key(s) in [pack]: {sorted(unknown)}")
    name = header.get("name")
    if not isinstance(name, str) or not regex.fullmatch(r"[a-z0-9_-]+", name):
        raise RuleError(path, "[pack] name must be lowercase letters, digits, '-' or '_'")
    if kind == "site" and name != path.stem:
        raise RuleError(path, f"a site pack's name must be its file name ({path.stem!r})")
    site_keys = {"sites", "domains", "datelines", "disable"} & set(header)
    if kind != "site" and site_keys:
        raise RuleError(path, f"{sorted(site_keys)} belong to site packs (rules/sites/)")
    sites = _str_list(path, None, "sites", header.get("sites", []))
    domains = _str_list(path, None, "domains", header.get("domains", []))
    datelines = tuple(
        _compile(path, f"{name} dateline", "dateline", _wrap(d, False))
        for d in _str_list(path, None, "datelines", header.get("datelines", []))
    )
    disable = _str_list(path, None, "disable", header.get("disable", []))
    if kind == "site" and not (sites or domains):
        raise RuleError(path, "a site pack needs 'sites' or 'domains'")
    flags: tuple[FlagRule, ...] = ()
    stopwords: frozenset[str] = frozenset()
    if "quality" in data:
        if kind == "site":
            raise RuleError(path, "[quality] belongs to language or common packs")
        try:
            stop_file, flag_rules = parse_quality(data["quality"], str(path))
        except ValueError as exc:
            raise RuleError(path, str(exc).removeprefix(f"{path}: ")) from None
        flags = tuple(flag_rules)
        if stop_file:
            stopwords = _read_stopwords(path.parent / stop_file, path)
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise RuleError(path, "'rules' must be an array of tables ([[rules]])")
    rules = tuple(
        _parse_rule(path, name, raw, pack_index * 100000 + i) for i, raw in enumerate(raw_rules)
    )
    return Pack(
        name=name, kind=kind, description=str(header.get("description", "")), path=str(path),
        rules=rules, sites=tuple(s.lower() for s in sites),
        domains=tuple(d.lower() for d in domains), datelines=datelines,
        disable=tuple(disable), quality_flags=flags, stopwords=stopwords,
    )


def default_rules_dir() -> Path:
    """``$CLEANER_RULES``, else the checkout's ``rules/``, else the installed copy."""
    env = os.environ.get("CLEANER_RULES")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "rules").is_dir():
        return root / "rules"
    return Path(sys.prefix) / "share" / "cleaner" / "rules"


@dataclass(frozen=True)
class RuleBook:
    """Every pack under a rules directory, in precedence order."""

    root: str
    common: tuple[Pack, ...]
    languages: dict[str, tuple[Pack, ...]]
    sites: tuple[Pack, ...]

    @property
    def packs(self) -> tuple[Pack, ...]:
        langs = tuple(p for lang in sorted(self.languages) for p in self.languages[lang])
        return self.common + langs + self.sites

    def quality(self, lang: str) -> QualitySettings:
        """Stopwords and flag rules of the common and ``lang`` packs."""
        packs = self.common + self.languages.get(lang, ())
        return QualitySettings(
            stopwords=frozenset().union(*(p.stopwords for p in packs)),
            flags=tuple(f for p in packs for f in p.quality_flags),
        )

    def site(self, name: str) -> Pack:
        for pack in self.sites:
            if pack.name == name:
                return pack
        known = ", ".join(p.name for p in self.sites) or "none"
        raise KeyError(f"no site pack named {name!r} (known: {known})")

    def detect_site(self, source: str | None, url: str | None, text: str) -> Pack | None:
        """The site pack for a document: by ``source``, else URL host, else dateline."""
        if source:
            key = source.strip().lower()
            for pack in self.sites:
                if key in pack.sites or key == pack.name:
                    return pack
        if url:
            host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower()
            for pack in self.sites:
                if any(host == d or host.endswith("." + d) for d in pack.domains):
                    return pack
        head = text[:DATELINE_WINDOW]
        for pack in self.sites:
            if any(d.search(head) for d in pack.datelines):
                return pack
        return None


def load_rules(root: Path | str | None = None, check_examples: bool = True) -> RuleBook:
    """Load every pack under ``root`` (``common/``, one folder per language, ``sites/``).

    Raises RuleError for the first malformed pack, naming file, rule and reason.
    """
    base = Path(root) if root is not None else default_rules_dir()
    if not base.is_dir():
        raise RuleError(base, "rules directory not found")
    folders = [p for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
    lang_folders = sorted(p for p in folders if p.name not in ("common", "sites"))
    plan = [(base / "common", "common")] + [(p, p.name) for p in lang_folders]
    plan.append((base / "sites", "site"))
    common: list[Pack] = []
    languages: dict[str, list[Pack]] = {}
    sites: list[Pack] = []
    seen: dict[str, str] = {}
    names: dict[str, Pack] = {}
    files = [(path, kind) for folder, kind in plan for path in sorted(folder.glob("*.toml"))]
    # Precedence: the most specific pack first (site, then language, then common).
    rank = {"site": 0, "common": 2}
    by_precedence = sorted(range(len(files)), key=lambda i: (rank.get(files[i][1], 1), i))
    precedence = {i: n for n, i in enumerate(by_precedence)}
    raw: list[bytes | None] = []  # each file read once, for the cache key and to parse
    for path, _ in files:
        try:
            raw.append(path.read_bytes())
        except OSError:  # read_pack names the file when its turn comes
            raw.append(None)
    key = cache.rules_key((str(path.relative_to(base)), data)
                          for (path, _), data in zip(files, raw, strict=True)
                          ) if None not in raw else None
    kept = cache.read(key) if key else None
    kept_packs = kept.get("packs") if kept else None
    if not (isinstance(kept_packs, list) and len(kept_packs) == len(files)
            and all(isinstance(d, dict) for d in kept_packs)):
        kept_packs = None
    parsed: list[dict[str, Any]] = []
    for index, (path, kind) in enumerate(files):
        parsed.append(kept_packs[index] if kept_packs else read_pack(path, raw[index]))
        pack = load_pack(path, kind, precedence[index], parsed[-1])
        if pack.name in names:
            raise RuleError(path, f"pack name {pack.name!r} is also used by "
                            f"{names[pack.name].path}")
        names[pack.name] = pack
        for rule in pack.rules:
            if rule.id in seen:
                raise RuleError(path, f"duplicate rule id (also in {seen[rule.id]})", rule.id)
            seen[rule.id] = pack.path
        if kind == "common":
            common.append(pack)
        elif kind == "site":
            sites.append(pack)
        else:
            languages.setdefault(kind, []).append(pack)
    shared = {r.id for p in common + [p for v in languages.values() for p in v]
              for r in p.rules}
    for pack in sites:
        for rule_id in pack.disable:
            if rule_id not in shared:
                raise RuleError(pack.path, f"'disable' names {rule_id!r}, which is not a rule "
                                "of a common or language pack")
    book = RuleBook(
        root=str(base), common=tuple(common),
        languages={k: tuple(v) for k, v in languages.items()}, sites=tuple(sites),
    )
    # What an earlier load of the same files by the same cleaner worked out (cache): the
    # examples passed, and the analyses the check made; else the check is made here.
    passed = restored = False
    if kept is not None and kept.get("examples") == "pass":
        try:
            literals.restore_analyses(kept.get("analyses"))
            passed = restored = True
        except ValueError:  # another shape: check again
            pass
    if check_examples and not passed:
        _check_examples(book)
        passed = True
    if key and (kept_packs is None or passed and not restored):
        data: dict[str, Any] = {"packs": parsed}
        if passed:
            data.update(examples="pass", analyses=literals.kept_analyses())
        try:
            cache.write(key, data)
        except (TypeError, ValueError):  # TOML values JSON cannot hold: nothing kept
            pass
    return book


def _check_examples(book: RuleBook) -> None:
    """Raise RuleError for the first pack whose rules fail their examples."""
    from .examples import check_pack

    for pack in book.packs:
        failures = check_pack(pack)
        if failures:
            rule_id, reason = failures[0]
            more = f" (and {len(failures) - 1} more failures)" if len(failures) > 1 else ""
            raise RuleError(pack.path, reason + more, rule_id)
