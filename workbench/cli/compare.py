"""The comparison commands of `parallax`: align, compare and check.

    parallax align SOURCE TRANSLATION --lang ko|zh [--unit paragraph|sentence] [--json] [--csv FILE] [--tmx FILE]
    parallax compare A B --lang ko|zh|en [--top N] [--json] [--csv FILE]
    parallax check SOURCE VERSION --lang ko|zh [--glossary FILE] [--reference FILE] [--round-trip] [--json] [--csv FILE]

`register(subparsers)` adds them to the main parser (cli.build_parser). As in cli/translate.py, handlers
return exit codes and raise WorkbenchError subclasses for the user's mistakes (one line on
stderr, exit 1 for bad input, 2 for usage; `check` exits 1 for errors found and 2 for any problem running
it, as linters do); data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import BadInput, UsageError
from ..langid import detect_language, language_name, parse_lang
from .common import output_options, plural

TRANSLATION_LANGS = ("ko", "zh")


def register(subparsers) -> None:
    """Add `align`, `compare` and `check` to the subcommands of the main parser."""
    a = subparsers.add_parser("align", help="align an existing Korean or Chinese translation to its English source")
    a.add_argument("source", metavar="SOURCE", help="the English original")
    a.add_argument("translation", metavar="TRANSLATION", help="the Korean or Chinese translation")
    a.add_argument("--lang", required=True, help="language of the translation: ko or zh")
    a.add_argument("--unit", default="paragraph",
                   help="paragraph (default) or sentence: both texts are split into sentences (as the app does) "
                        "and links hold 0-based sentence indices")
    a.add_argument("--glossary", metavar="FILE", help="CSV with en,ko,zh columns; its terms help the alignment")
    output_options(a, "the links", "one row per link")
    a.add_argument("--tmx", metavar="FILE", help="write the linked pairs as TMX 1.4 for CAT tools (- for stdout)")
    a.add_argument("--tmx-min-confidence", type=_confidence, metavar="P",
                   help="leave links below this confidence out of the TMX (default: 0.5, as the app does)")
    a.add_argument("--no-mt", action="store_true", help="do not use an installed en→LANG model's machine translation")
    a.set_defaults(func=cmd_align)

    c = subparsers.add_parser("compare", help="diff two versions of a text in the same language")
    c.add_argument("a", metavar="A", help="first version")
    c.add_argument("b", metavar="B", help="second version")
    c.add_argument("--lang", required=True, help="language of both versions: ko, zh or en")
    c.add_argument("--top", type=int, metavar="N", help="show only the N most divergent paragraph pairs")
    output_options(c, "the comparison", "one row per paragraph pair, most divergent first,")
    c.set_defaults(func=cmd_compare)

    k = subparsers.add_parser("check", help="check a translation against its English source: numbers, glossary, "
                                            "script, omissions; chrF/BLEU against a reference; round trip")
    k.add_argument("source", metavar="SOURCE", help="the English original")
    k.add_argument("version", metavar="VERSION", help="the Korean or Chinese translation to check")
    k.add_argument("--lang", required=True, help="language of the version: ko or zh")
    k.add_argument("--glossary", metavar="FILE", help="CSV with en,ko,zh columns; each term missed is reported")
    k.add_argument("--reference", metavar="FILE", help="a reference translation: chrF and BLEU per paragraph and overall")
    k.add_argument("--round-trip", action="store_true",
                   help="translate the version back to English (needs a ko→en / zh→en model) and flag drift")
    output_options(k, "the report", "one row per issue")
    k.add_argument("--no-mt", action="store_true", help="do not use installed models (no machine translation, no round trip)")
    k.add_argument("--exit-zero", action="store_true", help="exit 0 even when errors are found (default: 1 when errors are found, 2 when the check "
                        "could not run, e.g. a missing file)")
    k.set_defaults(func=cmd_check, problem_exit=2)  # 1 is for findings, as for linters


# ---------------------------------------------------------------- helpers


def _lang(value: str, allowed=TRANSLATION_LANGS) -> str:
    code = parse_lang(value)
    if code not in allowed:
        raise UsageError(f"--lang {value}: use {' or '.join(allowed)}")
    return code


def _confidence(value: str) -> float:
    try:
        p = float(value)
    except ValueError:
        p = -1.0
    if not 0.0 <= p <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a confidence from 0 to 1, got {value!r}")
    return p


def _unit(value: str) -> str:
    if value not in ("paragraph", "sentence"):
        raise UsageError(f"--unit {value}: use paragraph or sentence")
    return value


def _expect_language(text: str, name: str, lang: str, source: bool = False) -> None:
    """BadInput unless `text` looks like `lang` (a swapped file, or a wrong --lang)."""
    det = detect_language(text)
    if det.lang is None:
        raise BadInput(f"{name}: has too few letters to tell its language")
    if det.lang != lang:
        hint = "the SOURCE must be the English original" if source else "check --lang"
        raise BadInput(f"{name}: looks like {language_name(det.lang)} ({det.lang}), not "
                       f"{language_name(lang)} ({lang}); {hint}")


def _read(path: str, lang: str, source: bool = False):
    from ..documents import read_file

    doc = read_file(path, lang)
    _expect_language(doc.text, path, lang, source)
    return doc


def _engine(no_mt: bool):
    if no_mt:
        return None
    from ..cache import TranslationCache
    from ..engine import Engine

    return Engine(cache=TranslationCache())


def _glossary(path: str | None):
    if not path:
        return []
    from ..align import load_glossary

    terms = load_glossary(path)
    if not terms:
        raise BadInput(f"{path}: the glossary has no terms")
    return terms


def _outputs(args: argparse.Namespace, *files: str | None) -> None:
    """Preflight of every output file before any work; `-` is stdout (as for translate), once."""
    from ..export import check_outputs

    to_stdout = [f for f in files if f == "-"] + (["--json"] if args.json else [])
    if len(to_stdout) > 1:
        raise UsageError("two outputs write to stdout (- or --json); send all but one of them to a file")
    check_outputs([f for f in files if f != "-"])


def _write(path: str, data: bytes, what: str) -> None:
    from ..export import write_atomic

    try:
        write_atomic(path, data)
    except BrokenPipeError:
        raise  # the reader of stdout stopped: the end of the output, not a failure
    except OSError as exc:
        raise BadInput(f"{path}: cannot be written ({exc.strerror or exc})") from None
    print(f"wrote {'to stdout' if path == '-' else path} ({what})", file=sys.stderr)


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _span(idx) -> str:
    from ..align import _span as span

    return span(idx) or "-"


# ---------------------------------------------------------------- align


def cmd_align(args: argparse.Namespace) -> int:
    from ..align import TMX_MIN_CONFIDENCE

    _outputs(args, args.csv, args.tmx)  # before reading or aligning anything
    lang, unit = _lang(args.lang), _unit(args.unit)
    alignment = _align(args, lang, unit)
    counts = ", ".join(f"{n}×{t}" for t, n in alignment.counts().items() if n)
    print(f"aligned {len(alignment.source)} English and {len(alignment.target)} {language_name(lang)} "
          f"{unit}s: {counts}", file=sys.stderr)
    if alignment.note:
        print(f"note: {alignment.note}", file=sys.stderr)
    if alignment.warning:
        print(f"warning: {alignment.warning}", file=sys.stderr)
    if args.csv:
        _write(args.csv, alignment.csv_bytes(raw=args.raw_csv), f"{len(alignment.links)} links")
    if args.tmx and alignment.unsupported:  # a CAT tool would take every unit as a good match
        print("error: no TMX written: the texts do not support an alignment (the warning above)", file=sys.stderr)
    elif args.tmx:
        floor = TMX_MIN_CONFIDENCE if args.tmx_min_confidence is None else args.tmx_min_confidence
        kept, left_out = alignment.tmx_links(floor)
        _write(args.tmx, alignment.to_tmx(floor).encode("utf-8"), f"TMX 1.4, {plural(len(kept), 'translation unit')}")
        if left_out:
            print(f"note: {plural(left_out, 'link')} below confidence {floor:g} left out of the TMX "
                  "(--tmx-min-confidence to change)", file=sys.stderr)
    if args.json:
        sys.stdout.write(alignment.to_json() + "\n")
    elif not args.csv and not args.tmx:
        _list_links(alignment, lang)
    return 1 if alignment.unsupported else 0  # the warning above says why


def _align(args: argparse.Namespace, lang: str, unit: str):
    """Both texts read as documents; with unit "sentence" the aligner splits their sentences, as the app does."""
    from ..align import align_documents

    return align_documents(_read(args.source, "en", source=True), _read(args.translation, lang),
                           engine=_engine(args.no_mt), unit=unit, glossary=_glossary(args.glossary), lang=lang)


def _list_links(alignment, lang: str) -> None:
    print(f"{'#':>3}  {'type':4}  {'conf':>4}  {'en':>5}  {lang:>5}  text")
    for k, link in enumerate(alignment.links, 1):
        s, t = alignment.texts(link)
        flag = " ?" if link.confidence < 0.5 else ""
        print(f"{k:3}  {link.type:4}  {link.confidence:4.2f}  {_span(link.src):>5}  {_span(link.tgt):>5}  "
              f"{_short(s, 50) or '—'}  │  {_short(t, 40) or '—'}{flag}")


# ---------------------------------------------------------------- compare


def cmd_compare(args: argparse.Namespace) -> int:
    from ..compare import compare_documents

    _outputs(args, args.csv)  # before reading or aligning anything
    lang = _lang(args.lang, ("ko", "zh", "en"))
    if args.top is not None and args.top < 1:
        raise UsageError("--top needs a number of 1 or more")
    result = compare_documents(_read(args.a, lang), _read(args.b, lang), lang)
    print(f"similarity {result.similarity:.3f}; {result.summary()} (most divergent first)", file=sys.stderr)
    if args.csv:
        _write(args.csv, result.to_csv(raw=args.raw_csv).encode("utf-8-sig"), f"{len(result.most_divergent())} pairs")
    if args.json:
        import json

        data = result.to_dict()
        if args.top:
            data["paragraphs"] = data["paragraphs"][: args.top]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif not args.csv:
        _list_diffs(result.changed(), args.top)
    return 0


def _list_diffs(changed, top: int | None) -> None:
    from ..compare import diff_to_text

    for d in changed[:top] if top else changed:
        c = d.counts
        print(f"A ¶{_span(d.link.src)} ↔ B ¶{_span(d.link.tgt)}  {d.type}  similarity {d.similarity:.3f}  "
              f"({c['replace']} substitutions, {c['insert']} insertions, {c['delete']} deletions)")
        print("  " + diff_to_text(d.ops))
        print()
    if not changed:
        print("the two versions have the same wording")


# ---------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace) -> int:
    from ..compare import check_documents

    _outputs(args, args.csv)  # before reading or aligning anything
    lang = _lang(args.lang)
    glossary = _glossary(args.glossary)
    source = _read(args.source, "en", source=True)
    version = _read(args.version, lang)
    reference = _read(args.reference, lang) if args.reference else None
    engine = _engine(args.no_mt)
    report = check_documents(source, version, glossary, reference, engine, with_round_trip=args.round_trip, lang=lang)
    errors = _check_summary(report)
    if args.csv:
        _write(args.csv, report.to_csv(raw=args.raw_csv).encode("utf-8-sig"), f"{len(report.issues)} issues")
    if args.json:
        sys.stdout.write(report.to_json() + "\n")
    elif not args.csv:
        _list_report(report, lang)
    return 1 if errors and not args.exit_zero else 0  # like a linter: errors fail the run


def _check_summary(report) -> int:
    """Notes, warnings and the counts on stderr; returns the number of errors."""
    for note in report.notes:
        print(f"{'warning' if note.startswith('round trip') else 'note'}: {note}", file=sys.stderr)
    if report.alignment.warning:
        print(f"warning: {report.alignment.warning}", file=sys.stderr)
    c = report.counts()
    summary = (f"{plural(c['error'], 'error')}, {plural(c['warning'], 'warning')}, {plural(c['note'], 'note')} "
               f"in {plural(len(report.rows), 'link')}")
    if report.document_metrics:
        m = report.document_metrics
        summary += f"; against the reference: chrF {m['chrf']:.1f}, BLEU {m['bleu']:.1f}"
    print(summary, file=sys.stderr)
    return c["error"]


def _list_report(report, lang: str) -> None:
    def where(row) -> str:
        return f"en ¶{_span(row.link.src):>5} → {lang} ¶{_span(row.link.tgt):<5}"

    for row, issue in report.issues:
        print(f"{where(row)} {issue.severity:7} {issue.kind:8} {issue.message}")
    if report.document_metrics:
        for row in report.rows:
            if row.metrics:
                print(f"{where(row)} chrF {row.metrics['chrf']:5.1f}  BLEU {row.metrics['bleu']:5.1f}")
    for row in report.rows:
        if row.round_trip:
            mark = "  DRIFT?" if row.round_trip.drift else ""
            print(f"{where(row)} round trip chrF {row.round_trip.chrf:5.1f}{mark}  {_short(row.round_trip.back, 60)}")
