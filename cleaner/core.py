"""The cleaning pipeline for one document: choose packs, propose spans, render."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .model import CleanResult, span_chars
from .quality import QualitySettings, compiled_flags, compute_signals
from .render import cut, merge, normalise
from .rules import Pack, RuleBook, load_rules
from .stages import REGEX_TIMEOUT, Matcher, repeated_proposals, split_lines


class Cleaner:
    """Removes page furniture from news article bodies using the rule packs in ``rules``.

    The language pack(s) and ``common`` always apply; one site pack applies when the
    outlet is known (``site``, or recognised from ``source``, ``url`` or the dateline).
    Story text no rule claims is kept; only second copies of repeated paragraphs go.
    """

    def __init__(
        self,
        rules: Path | str | RuleBook | None = None,
        lang: str = "id",
        site: str | None = None,
        timeout: float = REGEX_TIMEOUT,
        quality: bool = True,
    ) -> None:
        self.book = rules if isinstance(rules, RuleBook) else load_rules(rules)
        self.settings = {"rules": self.book.root, "lang": lang, "site": site,
                         "timeout": timeout, "quality": quality}
        """What another process needs to build the same Cleaner."""
        if lang not in self.book.languages:
            known = ", ".join(sorted(self.book.languages)) or "none"
            raise ValueError(f"no language pack for {lang!r} in {self.book.root} "
                             f"(known: {known})")
        self.lang = lang
        self.timeout = timeout
        self.quality = self.book.quality(lang) if quality else None
        self._flags = compiled_flags(self.quality or QualitySettings())
        self.forced_site = self.book.site(site) if site else None
        base = self.book.common + self.book.languages[lang]
        self._base = base
        self._base_names = tuple(p.name for p in base)
        self._matchers: dict[str | None, Matcher] = {}

    def _matcher(self, site: Pack | None) -> Matcher:
        key = site.name if site else None
        if key not in self._matchers:
            packs = self._base + ((site,) if site else ())
            off = set(site.disable) if site else set()
            self._matchers[key] = Matcher(
                [r for p in packs for r in p.rules if r.id not in off], self.timeout
            )
        return self._matchers[key]

    def site_for(self, text: str, source: str | None = None, url: str | None = None
                 ) -> Pack | None:
        """The site pack that applies to a document, or None."""
        return self.forced_site or self.book.detect_site(source, url, text)

    def clean(self, text: str, source: str | None = None, url: str | None = None,
              site: str | None = None) -> CleanResult:
        """Clean one article body. Raises RuleTimeout if a pattern runs away."""
        if not isinstance(text, str):
            if isinstance(text, bytes | bytearray):
                raise TypeError("clean() takes str, not bytes: decode the text first "
                                "(e.g. data.decode('utf-8'))")
            raise TypeError(f"clean() takes str, not {type(text).__name__}")
        pack = self.book.site(site) if site else self.site_for(text, source, url)
        lines = split_lines(text)
        proposals = self._matcher(pack).propose(text, lines)
        proposals += repeated_proposals(lines, proposals)
        spans = merge(text, proposals)
        packs = self._base_names + ((pack.name,) if pack else ())
        cleaned = normalise(cut(text, spans))
        signals: dict[str, float] = {}
        flags: tuple[str, ...] = ()
        if self.quality is not None:
            signals = compute_signals(cleaned, span_chars(spans), len(text),
                                      self.quality.stopwords)
            flags = tuple(self._flags(signals))
        return CleanResult(
            text=cleaned, removed=spans, original=text, site=pack.name if pack else None,
            packs=packs, quality=signals, flags=flags,
        )


@lru_cache(maxsize=1)
def default_cleaner() -> Cleaner:
    """A Cleaner over the default rules directory (rule packs are immutable)."""
    return Cleaner()


def clean(text: str, source: str | None = None, url: str | None = None,
          site: str | None = None) -> CleanResult:
    """Clean one article body with the default rules. See ``Cleaner.clean``."""
    return default_cleaner().clean(text, source=source, url=url, site=site)
