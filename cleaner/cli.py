"""The ``cleaner`` command line: thin argument parsing over the library."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

from .core import Cleaner
from .dedup import DEDUP_FIELDS, POLICIES, DedupConfig, DedupResult, KeepPolicy
from .dedup.config import HASHES
from .dedup.index import PREPARED
from .examples import check_pack
from .io import (
    AtomicWriter,
    Document,
    Fields,
    RecordWriter,
)
from .model import CleanResult
from .parallel import default_workers, sign_parallel
from .pipeline import Run
from .rules import RuleError, load_rules

ENGINES = ("local", "spark")


def cmd_clean(args: argparse.Namespace, cleaner: Cleaner) -> int:
    with ExitStack() as stack:
        rejects = stack.enter_context(AtomicWriter(args.rejects)) if args.rejects else None
        out = stack.enter_context(RecordWriter(args.output))
        run = Run(cleaner, rejects, fields_of(args), drop_flags_of(args), args.workers)
        for record in run.records(args.inputs):
            out.write(record)
    print(run.summary(), file=sys.stderr)
    return 1 if run.rejected else 0


def fields_of(args: argparse.Namespace) -> Fields:
    return Fields(text=args.text_field, id=args.id_field)


def drop_flags_of(args: argparse.Namespace) -> frozenset[str] | None:
    """None: drop nothing; empty: drop any flagged document; else these flags."""
    value = getattr(args, "drop_flagged", None)
    if value is None:
        return None
    return frozenset() if value == "all" else frozenset(
        f.strip() for f in value.split(",") if f.strip())


def _shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def explain_document(doc: Document, result: CleanResult) -> dict[str, Any]:
    """What was removed from one document and why, and what it duplicates, as data."""
    original = result.original
    report: dict[str, Any] = {
        "id": doc.id,
        "origin": doc.origin,
        "site": result.site,
        "packs": list(result.packs),
        "chars_in": len(original) if original else None,
        "chars_removed": result.removed_chars,
        "removed": [
            dict(s.to_dict(), line=original.count("\n", 0, s.start) + 1 if original else None)
            for s in result.removed
        ],
    }
    report.update({k: doc.record[k] for k in DEDUP_FIELDS if doc.record.get(k) is not None})
    return report


def _dedup_line(report: dict[str, Any]) -> str | None:
    if "duplicate_of" in report:
        return (f"  duplicate of {report['duplicate_of']} (similarity "
                f"{report.get('similarity')}, cluster {report.get('cluster')})")
    if "cluster" in report:
        return f"  kept copy of cluster {report['cluster']}"
    return None


def cmd_explain(args: argparse.Namespace, cleaner: Cleaner) -> int:
    run = Run(cleaner, None)
    reports = []
    out = sys.stdout
    for doc, result in run.results(args.inputs, reuse_stored=True):
        run.docs_out += 1
        report = explain_document(doc, result)
        if args.format == "json":
            reports.append(report)
            continue
        name = doc.id or doc.origin
        size = f" of {report['chars_in']:,}" if report["chars_in"] is not None else ""
        out.write(f"== {name}  site pack: {report['site'] or '(none)'}  "
                  f"{len(report['removed'])} spans, {report['chars_removed']:,}{size} chars "
                  "removed\n")
        for span in report["removed"]:
            where = f"L{span['line']}" if span["line"] else ""
            out.write(f"  {where:<5} {span['category']:<13} {span['rule']:<36} "
                      f"{_shorten(span['text'], 70)!r}\n")
        line = _dedup_line(report)
        if line:
            out.write(line + "\n")
        if "contained_in" in report:
            inner = report["contained_in"]
            out.write(f"  contained in {inner['id']} (containment {inner['containment']})\n")
        out.write("\n")
    if args.format == "json":
        json.dump({"documents": reports,
                   "rules": {rule: n for (rule, _), n in run.rules.most_common()},
                   "categories": dict(run.categories.most_common()),
                   "documents_in": run.docs_in, "rejected": run.rejected},
                  out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.write("Spans removed per rule:\n")
        out.write(f"  {'count':>6}  {'category':<13} rule\n")
        for (rule, category), count in run.rules.most_common():
            out.write(f"  {count:>6}  {category:<13} {rule}\n")
    print(run.summary(), file=sys.stderr)
    return 1 if run.rejected else 0


def dedup_settings(args: argparse.Namespace) -> tuple[DedupConfig, KeepPolicy]:
    """The dedup configuration and keep policy the options ask for."""
    base = DedupConfig()
    config = DedupConfig(
        num_perm=args.num_perm or base.num_perm,
        threshold=args.threshold if args.threshold is not None else base.threshold,
        shingle=args.shingle or base.shingle,
        containment=args.containment if args.containment is not None else base.containment,
        candidate_threshold=min(base.candidate_threshold,
                                args.threshold if args.threshold is not None else 1.0),
        hash=args.hash or base.hash,
    )
    prefer = tuple(s.strip() for s in (args.prefer or "").split(",") if s.strip())
    keep = KeepPolicy("prefer" if prefer and args.keep == "first" else args.keep, prefer)
    return config, keep


def dedup_summary(c: dict[str, int], dropped: int) -> str:
    """The dedup line of the summary, from ``DedupResult.counts()``."""
    return (f"cleaner: dedup of {c['documents']:,} documents: {c['exact_clusters']:,} exact "
            f"and {c['near_clusters']:,} near-duplicate clusters, {c['duplicates']:,} "
            f"flagged duplicate_of, {c['contained']:,} contained_in, {dropped:,} dropped")


def _dedup_to_output(args: argparse.Namespace, run: Run, records: Iterator[dict[str, Any]],
                     config: DedupConfig, keep: KeepPolicy) -> tuple[DedupResult, int]:
    from .dedup.stream import annotate_stream  # here: clean never needs it

    fields = fields_of(args)
    with ExitStack() as stack:
        out = stack.enter_context(RecordWriter(args.output))
        clusters = stack.enter_context(AtomicWriter(args.clusters)) if args.clusters else None
        result, dropped = annotate_stream(
            records, out, config, keep, args.drop,
            lambda record, reason: run.drop(record, "dedup", reason), clusters,
            fields.text, fields.id)
    run.docs_out -= dropped
    return result, dropped


def dedup_input_summary(run: Run) -> str:
    """The first summary line of ``dedup``: documents in, out, dropped, rejected."""
    return (f"cleaner: {run.docs_in:,} documents in, {run.docs_out:,} out, {run.dropped:,} "
            f"dropped, {run.rejected:,} rejected")


def cmd_dedup(args: argparse.Namespace, cleaner: Cleaner) -> int:
    with ExitStack() as stack:
        rejects = stack.enter_context(AtomicWriter(args.rejects)) if args.rejects else None
        run = Run(cleaner, rejects, fields_of(args))

        config, keep = dedup_settings(args)

        def records() -> Iterator[dict[str, Any]]:
            docs = run.inputs(args.inputs, allow_empty=True)
            if args.workers > 1:  # signatures made in the workers, in input order
                signed = sign_parallel(docs, lambda d: d.text, config, args.workers)
            else:
                signed = ((doc, None) for doc in docs)
            for doc, prepared in signed:
                run.docs_out += 1
                record = dict(doc.record, **{run.fields.text: doc.text})
                if prepared is not None:
                    record[PREPARED] = prepared
                yield record

        result, dropped = _dedup_to_output(args, run, records(), config, keep)
    print(dedup_input_summary(run), file=sys.stderr)
    print(dedup_summary(result.counts(), dropped), file=sys.stderr)
    return 1 if run.rejected else 0


def cmd_run(args: argparse.Namespace, cleaner: Cleaner) -> int:
    with ExitStack() as stack:
        rejects = stack.enter_context(AtomicWriter(args.rejects)) if args.rejects else None
        config, keep = dedup_settings(args)
        # the same config signs in the workers and deduplicates here
        run = Run(cleaner, rejects, fields_of(args), drop_flags_of(args), args.workers, config)
        result, dropped = _dedup_to_output(args, run, run.records(args.inputs), config, keep)
    print(run.summary(), file=sys.stderr)
    print(dedup_summary(result.counts(), dropped), file=sys.stderr)
    return 1 if run.rejected else 0


def cmd_rules_check(args: argparse.Namespace) -> int:
    book = load_rules(args.rules, check_examples=False)
    failures = 0
    rules = examples = 0
    for pack in book.packs:
        rules += len(pack.rules)
        examples += sum(len(r.remove_examples) + len(r.keep_examples) for r in pack.rules)
        for rule_id, why in check_pack(pack):
            failures += 1
            print(f"{pack.path}: rule {rule_id!r}: {why}", file=sys.stderr)
    print(f"{len(book.packs)} packs, {rules} rules, {examples} examples: "
          f"{'all pass' if not failures else f'{failures} failing'}")
    return 1 if failures else 0


def run_spark(args: argparse.Namespace, cleaner: Cleaner) -> int:
    """The command on Apache Spark; PySpark is imported only here."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        print("cleaner: error: --engine spark needs PySpark: pip install 'cleaner[spark]'",
              file=sys.stderr)
        return 2
    from .spark.commands import run_command

    return run_command(args, cleaner)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleaner",
        description="Remove page furniture from scraped news articles and report every "
                    "removed span.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add_common(p: argparse.ArgumentParser) -> None:
        p.add_argument("inputs", nargs="*", default=["-"], metavar="INPUT",
                       help=".txt, .jsonl, .jsonl.gz, a directory, or - for JSONL on stdin "
                            "(default)")
        p.add_argument("--rules", metavar="DIR", help="rules directory (default: bundled)")
        p.add_argument("--site", metavar="NAME",
                       help="apply this site pack to every document")
        p.add_argument("--lang", default="id", help="language pack (default: id)")
        p.add_argument("--text-field", default="text", metavar="NAME",
                       help="record field holding the text (default: text)")
        p.add_argument("--id-field", default="id", metavar="NAME",
                       help="record field holding the id (default: id); records without "
                            "one get a stable id from their text")
        p.add_argument("--workers", type=int, default=default_workers(), metavar="N",
                       help="worker processes for cleaning and dedup signatures "
                            "(default: all cores); the output is the same for any N")
        p.add_argument("--config", metavar="TOML",
                       help="read options from a TOML file (keys are option names, e.g. "
                            "threshold = 0.4); options given on the command line win")

    def add_drop_flagged(p: argparse.ArgumentParser) -> None:
        p.add_argument("--drop-flagged", nargs="?", const="all", metavar="FLAGS",
                       help="leave out documents with a quality flag (or only these, "
                            "comma-separated); they go to --rejects with their flags")

    def add_engine(p: argparse.ArgumentParser) -> None:
        g = p.add_argument_group("engine")
        g.add_argument("--engine", choices=ENGINES, default="local",
                       help="where to run: here (local, the default) or on Apache Spark "
                            "(spark; needs pip install 'cleaner[spark]')")
        g.add_argument("--spark-master", metavar="URL",
                       help="Spark master URL (default: spark-submit's, else local[*]); "
                            "with --engine spark, outputs are directories of part files")

    p_clean = sub.add_parser("clean", help="clean documents, write JSONL")
    add_common(p_clean)
    add_engine(p_clean)
    p_clean.add_argument("-o", "--output", metavar="OUT", help="output JSONL (default stdout)")
    p_clean.add_argument("--rejects", metavar="FILE",
                         help="write rejected input, with the reason, to this JSONL file")
    add_drop_flagged(p_clean)

    def add_dedup(p: argparse.ArgumentParser) -> None:
        p.add_argument("-o", "--output", metavar="OUT", help="output JSONL (default stdout)")
        p.add_argument("--rejects", metavar="FILE",
                       help="write rejected input, with the reason, to this JSONL file")
        g = p.add_argument_group("dedup")
        g.add_argument("--threshold", type=float, metavar="T",
                       help="estimated Jaccard for near duplicates "
                            f"(default {DedupConfig.threshold})")
        g.add_argument("--shingle", type=int, metavar="N",
                       help=f"words per shingle (default {DedupConfig.shingle})")
        g.add_argument("--num-perm", type=int, metavar="N",
                       help=f"MinHash permutations (default {DedupConfig.num_perm})")
        g.add_argument("--containment", type=float, metavar="C",
                       help="share of a shorter article inside a longer one to flag it "
                            f"contained_in (default {DedupConfig.containment})")
        g.add_argument("--hash", choices=HASHES, default=None,
                       help="shingle hash (default words32, which signs 2-4x faster than "
                            "sha1)")
        g.add_argument("--keep", choices=POLICIES, default="first",
                       help="which member of a cluster is kept (default first)")
        g.add_argument("--prefer", metavar="SOURCES",
                       help="comma-separated sources to keep first, e.g. antara,tempo")
        g.add_argument("--drop", action="store_true",
                       help="leave flagged duplicates out of the output")
        g.add_argument("--clusters", metavar="FILE",
                       help="write one JSON line per cluster to FILE")

    p_dedup = sub.add_parser("dedup", help="flag duplicate articles in cleaned JSONL")
    add_common(p_dedup)
    add_engine(p_dedup)
    add_dedup(p_dedup)

    p_run = sub.add_parser("run", help="clean, flag quality, then dedup, in one command")
    add_common(p_run)
    add_engine(p_run)
    add_dedup(p_run)
    add_drop_flagged(p_run)

    p_explain = sub.add_parser("explain", help="show what would be removed, and why")
    add_common(p_explain)
    p_explain.add_argument("--format", choices=("text", "json"), default="text")

    parser.commands = {"clean": p_clean, "dedup": p_dedup, "run": p_run,  # type: ignore[attr-defined]
                       "explain": p_explain}
    p_rules = sub.add_parser("rules", help="work with rule packs")
    rules_sub = p_rules.add_subparsers(dest="rules_command", required=True)
    p_check = rules_sub.add_parser("check", help="load every pack and run its examples")
    p_check.add_argument("--rules", metavar="DIR", help="rules directory (default: bundled)")
    return parser


def apply_config(parser: argparse.ArgumentParser, args: argparse.Namespace,
                 argv: list[str] | None) -> argparse.Namespace:
    """Options from ``--config FILE`` become defaults; the command line still wins."""
    import tomllib

    try:
        with open(args.config, "rb") as fh:
            settings = tomllib.load(fh)
    except OSError as exc:
        parser.error(f"--config {args.config}: {exc.strerror}")
    except tomllib.TOMLDecodeError as exc:
        parser.error(f"--config {args.config}: invalid TOML: {exc}")
    sub = parser.commands[args.command]  # type: ignore[attr-defined]
    actions = {a.dest: a for a in sub._actions}
    defaults: dict[str, Any] = {}
    for key, value in settings.items():
        dest = key.replace("-", "_")
        if dest not in actions or dest in ("help", "config"):
            parser.error(f"--config {args.config}: unknown option {key!r} for "
                         f"'cleaner {args.command}'")
        if isinstance(value, list) and actions[dest].nargs not in ("*", "+"):
            value = ",".join(str(v) for v in value)
        defaults[dest] = value
    sub.set_defaults(**defaults)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "config", None):
        args = apply_config(parser, args, argv)
    if getattr(args, "workers", 1) < 1:
        parser.error("--workers must be at least 1")
    try:
        if args.command == "rules":
            return cmd_rules_check(args)
        if args.command in ("dedup", "run"):
            dedup_settings(args)  # bad values are usage errors, before any work
        cleaner = Cleaner(args.rules, lang=args.lang, site=args.site)
    except (RuleError, ValueError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) else str(exc)
        print(f"cleaner: error: {message}", file=sys.stderr)
        return 2
    engine = getattr(args, "engine", "local")
    if engine == "local" and getattr(args, "spark_master", None):
        parser.error("--spark-master needs --engine spark")
    if engine == "spark" and "-" in args.inputs:
        parser.error("--engine spark reads files (any path Spark can read), not stdin")
    try:
        if engine == "spark":
            return run_spark(args, cleaner)
        command = {"clean": cmd_clean, "dedup": cmd_dedup, "run": cmd_run,
                   "explain": cmd_explain}[args.command]
        return command(args, cleaner)
    except BrokenPipeError:
        return 0
    except (ValueError, OSError) as exc:
        # e.g. an output that cannot be written: nothing half-written is left behind
        print(f"cleaner: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cleaner: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
