"""Turn verified matches into clusters and choose the one article each cluster keeps.

Clusters are connected components of exact and near matches (union-find), the same
whatever the input order. The kept article is chosen by a policy; every member gets
``cluster``; the others get ``duplicate_of`` (the kept id) and ``similarity`` (their
best verified link inside the cluster). A contained article gets ``contained_in``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .index import DocInfo, Match

POLICIES = ("first", "earliest", "longest", "prefer")
_NEVER = datetime.max.replace(tzinfo=None)


@dataclass(frozen=True)
class KeepPolicy:
    """Which member of a cluster is kept: ``first`` (input order), ``earliest``
    (``published``), ``longest`` (cleaned text), or ``prefer`` (sources in ``prefer``
    order). Ties fall back to input order."""

    name: str = "first"
    prefer: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.name not in POLICIES:
            raise ValueError(f"keep policy must be one of {', '.join(POLICIES)}, "
                             f"got {self.name!r}")
        if self.name == "prefer" and not self.prefer:
            raise ValueError("the 'prefer' policy needs a list of sources")

    def key(self, info: DocInfo) -> tuple:
        if self.name == "earliest":
            when = info.published.replace(tzinfo=None) if info.published else _NEVER
            return (when, info.index)
        if self.name == "longest":
            return (-info.length, info.index)
        if self.name == "prefer":
            order = {s.lower(): i for i, s in enumerate(self.prefer)}
            return (order.get((info.source or "").lower(), len(order)), info.index)
        return (info.index,)


@dataclass
class Cluster:
    """One group of duplicates: members by input position, the kept one, the links."""

    id: str
    members: list[int]
    kept: int
    links: list[Match] = field(default_factory=list)

    def to_dict(self, infos: Sequence[DocInfo]) -> dict[str, Any]:
        return {
            "cluster": self.id,
            "kept": infos[self.kept].id,
            "members": [infos[i].id for i in self.members],
            "sources": [infos[i].source for i in self.members],
            "kinds": sorted({m.kind for m in self.links}),
            "similarities": [[m.a_id, m.b_id, m.similarity] for m in self.links],
        }


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def build_clusters(infos: Sequence[DocInfo], matches: Sequence[Match],
                   policy: KeepPolicy) -> list[Cluster]:
    """Connected components of exact and near matches, in order of first member."""
    parent = list(range(len(infos)))
    links = sorted((m for m in matches if m.kind != "contained"), key=lambda m: (m.a, m.b))
    for m in links:
        ra, rb = _find(parent, m.a), _find(parent, m.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, set[int]] = defaultdict(set)
    for m in links:
        for i in (m.a, m.b):
            groups[_find(parent, i)].add(i)
    by_root: dict[int, list[Match]] = defaultdict(list)
    for m in links:
        by_root[_find(parent, m.a)].append(m)
    clusters = []
    for root in sorted(groups):
        members = sorted(groups[root])
        ids = sorted(infos[i].id for i in members)
        digest = hashlib.sha1("\x1f".join(ids).encode("utf-8")).hexdigest()[:16]
        kept = min(members, key=lambda i: policy.key(infos[i]))
        clusters.append(Cluster(f"dup-{digest}", members, kept, by_root[root]))
    return clusters


def cluster_fields(infos: Sequence[DocInfo], clusters: Sequence[Cluster]
                   ) -> dict[int, dict[str, Any]]:
    """``cluster`` for every member; ``duplicate_of`` and ``similarity`` for the others."""
    out: dict[int, dict[str, Any]] = {}
    for c in clusters:
        best: dict[int, float] = {}
        for m in c.links:
            for i in (m.a, m.b):
                best[i] = max(best.get(i, 0.0), m.similarity)
        for i in c.members:
            fields: dict[str, Any] = {"cluster": c.id}
            if i != c.kept:
                fields["duplicate_of"] = infos[c.kept].id
                fields["similarity"] = best[i]
            out[i] = fields
    return out


def contained_fields(matches: Iterable[Match]) -> dict[int, dict[str, Any]]:
    """The ``contained_in`` value of each article contained in another (the container
    holding most of it) and of the article's exact copies, by position."""
    matches = list(matches)
    # Containment is found between distinct texts; exact copies share their original's.
    copies: dict[int, list[int]] = defaultdict(list)
    for m in matches:
        if m.kind == "exact":
            copies[m.a].append(m.b)
    contained: dict[int, Match] = {}
    for m in matches:
        if m.kind == "contained":
            prev = contained.get(m.a)
            if prev is None or (m.containment, -m.b) > (prev.containment, -prev.b):
                contained[m.a] = m
    out: dict[int, dict[str, Any]] = {}
    for i, m in contained.items():
        for member in [i, *copies.get(i, [])]:
            out[member] = {"id": m.b_id, "containment": m.containment,
                           "similarity": m.similarity}
    return out


def annotations(infos: Sequence[DocInfo], matches: Sequence[Match],
                clusters: Sequence[Cluster]) -> dict[int, dict[str, Any]]:
    """The fields each article in a cluster or contained in another gets, by position."""
    out = cluster_fields(infos, clusters)
    for i, value in contained_fields(matches).items():
        out.setdefault(i, {})["contained_in"] = value
    return out
