"""The Compare view: an existing Korean or Chinese translation checked against its English source.

The English article comes from the same input as the Translate view (main.choose_document). The
user gives the translation (a demo from samples/, pasted text or a file), its language (detected
from the script unless chosen), a glossary, optionally a reference translation and a second
version, and sees three tabs: the alignment (link types and confidences), the wording diff
against the machine translation or the second version, and the checks; each with downloads.
All alignment, comparison, checking and export work is done by workbench.align and
workbench.compare; this module lays out the page and calls them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import streamlit as st

from workbench import documents
from workbench.align import (
    TMX_MIN_CONFIDENCE,
    Alignment,
    GlossaryIndex,
    align_documents,
    glossary_from_bytes,
    in_script,
    load_glossary,
)
from workbench.app import compare_render as cr
from workbench.app import inputs, render
from workbench.app.state import read_upload, remember
from workbench.compare import (
    CheckReport,
    Comparison,
    check_alignment,
    compare_documents,
)
from workbench.engine import Engine
from workbench.errors import BadInput, MissingModel, WorkbenchError
from workbench.messages import APP, explain
from workbench.langid import detect_language, language_name

MODES = ("Demo", "Paste text", "Upload file")
LANG_CHOICES = {"Detect": None, "Korean (ko)": "ko", "Chinese (zh)": "zh"}
SAMPLE_GLOSSARY = inputs.SAMPLES_DIR / "glossary.csv"
SAMPLE_GLOSSARY_CHOICE = "Sample glossary (samples/glossary.csv)"
# The sample glossary holds the sample article's terms: preselected for that article only (a
# widget each, so each keeps its first option as its default; see KEEP).
GLOSSARY_CHOICES = {"cmp_gloss": (SAMPLE_GLOSSARY_CHOICE, "None", "Upload CSV"),
                    "cmp_gloss_other": ("None", SAMPLE_GLOSSARY_CHOICE, "Upload CSV")}
TEAM_REFERENCE = "Team reference (samples)"
REFERENCE_CHOICES = ("None", TEAM_REFERENCE, "Paste text", "Upload file")
MACHINE = "Machine translation"
OTHER_CHOICES = (MACHINE, TEAM_REFERENCE, "Paste text", "Upload file", "Nothing")
TOP_CHOICES = (10, 25, 50, "all")
# Widgets whose values survive a visit to the other view: Streamlit forgets the state of widgets
# that a run does not draw unless the key is saved again. Only widgets whose default is their
# first option / empty / off can be listed (others would warn), and uploads cannot be kept.
KEEP = ("cmp_mode", "cmp_demo", "cmp_paste", "cmp_lang", *GLOSSARY_CHOICES, "cmp_ref", "cmp_ref_paste", "cmp_other",
        "cmp_other_paste", "cmp_top", "cmp_inline", "cmp_by_sentence")


def keep_state(extra: Sequence[str] = ()) -> None:
    """Call at the top of every run, whichever view is drawn (`extra`: the other view's keys)."""
    for key in (*KEEP, *extra):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


# ---------------------------------------------------------------- cached loading


@st.cache_data(show_spinner=False, max_entries=32)
def load_file(path: str, mtime: float, lang: str) -> documents.Document:
    return documents.read_file(path, lang)


@st.cache_data(show_spinner=False, max_entries=16)
def load_text(text: str, name: str, lang: str) -> documents.Document:
    return documents.from_text(text, name, lang)


@st.cache_data(show_spinner=False, max_entries=16)
def load_upload(data: bytes, name: str, lang: str) -> documents.Document:
    return read_upload(data, name, lang)


@st.cache_data(show_spinner=False, max_entries=4)
def load_glossary_file(path: str, mtime: float) -> list:
    return load_glossary(path)


@st.cache_data(show_spinner=False, max_entries=4)
def load_glossary_upload(data: bytes, name: str) -> list:
    return glossary_from_bytes(data, name)


Source = tuple  # ("file", path) | ("text", text, name) | ("upload", data, name)


def _load(source: Source, lang: str) -> documents.Document:
    """The text read as `lang` (no language check here: the caller detects and decides)."""
    if source[0] == "file":
        path = Path(source[1])
        return load_file(str(path), path.stat().st_mtime, lang)
    if source[0] == "text":
        return load_text(source[1], source[2], lang)
    return load_upload(source[1], source[2], lang)


def read_translation(source: Source, choice: str | None) -> tuple[documents.Document, str | None]:
    """The translation to check, read in its language; BadInput for English or another
    language; a warning when the chosen language disagrees with the script."""
    doc = _load(source, "ko")  # sentence splitting depends on the language: re-read if it is not Korean
    lang, message = inputs.version_language(detect_language(doc.text).lang, choice)
    if lang is None:
        raise BadInput(message)
    if lang != doc.lang:
        doc = _load(source, lang)
    return doc, message


def read_companion(source: Source, lang: str, what: str) -> documents.Document:
    """A reference translation or second version: it must be in the translation's language."""
    doc = _load(source, lang)
    detected = detect_language(doc.text).lang
    if detected is None:
        raise BadInput(f"The {what} has too few letters to tell its language.")
    if detected != lang:
        raise BadInput(f"The {what} looks like {language_name(detected)} ({detected}), not "
                       f"{language_name(lang)} like the translation; it is left out.")
    return doc


# ---------------------------------------------------------------- inputs


def _text_source(label: str, mode: str, paste_key: str, upload_key: str, height: int, placeholder: str,
                 empty: str) -> Source | None:
    if mode == "Paste text":
        text = st.text_area(label, key=paste_key, height=height, placeholder=placeholder)
        if text == "":
            st.info(empty)
            return None
        return ("text", text, "pasted " + label.lower())
    upload = st.file_uploader(label, type=inputs.ARTICLE_TYPES, key=upload_key,
                              max_upload_size=inputs.UPLOAD_LIMIT_MB["article"])
    if upload is None:
        st.info(empty.replace("Paste", "Upload"))
        return None
    return ("upload", upload.getvalue(), upload.name)


def choose_translation(demos: Sequence[inputs.Demo]) -> tuple[Source | None, inputs.Demo | None]:
    mode = st.radio("Translation to check", MODES, horizontal=True, key="cmp_mode",
                    help="A Korean or Chinese translation of the English article above: one of the demo "
                         "translations in samples/, pasted text or a file (.txt, .md, .html, .docx).")
    if mode == "Demo":
        if not demos:
            st.info("No demo translations in samples/. Paste or upload a translation.")
            return None, None
        by_value = {d.value: d for d in demos}
        value = st.selectbox("Demo translation", list(by_value), key="cmp_demo",
                             format_func=lambda v: by_value[v].label if v in by_value else v)
        demo = by_value.get(value, demos[0])
        return ("file", str(demo.path)), demo
    return _text_source("Translation", mode, "cmp_paste", "cmp_upload", 220,
                        "Paste the Korean or Chinese translation: one paragraph per line, or paragraphs "
                        "separated by blank lines.",
                        "Paste the Korean or Chinese translation of the English article into the box."), None


def choose_glossary(src: documents.Document | None) -> tuple[list, str]:
    """(terms, a short description); problems are shown and the glossary left out."""
    key = "cmp_gloss" if src is not None and inputs.is_sample(src.name) else "cmp_gloss_other"
    choice = st.selectbox("Glossary", GLOSSARY_CHOICES[key], key=key,
                          help="A CSV with en, ko and zh columns; each English term whose rendering is missing "
                               "from the translation is reported, and the terms help the alignment.")
    try:
        if choice == SAMPLE_GLOSSARY_CHOICE:
            if not SAMPLE_GLOSSARY.is_file():
                st.info("samples/glossary.csv is missing: no glossary check.")
                return [], "none"
            return load_glossary_file(str(SAMPLE_GLOSSARY), SAMPLE_GLOSSARY.stat().st_mtime), "samples/glossary.csv"
        if choice == "Upload CSV":
            upload = st.file_uploader("Glossary CSV", type=["csv", "txt"], key="cmp_gloss_upload",
                                      max_upload_size=inputs.UPLOAD_LIMIT_MB["glossary"])
            if upload is None:
                st.info("Upload a CSV glossary with en, ko and zh columns.")
                return [], "none"
            terms = load_glossary_upload(upload.getvalue(), upload.name)
            if not terms:
                st.warning(f"{inputs.plain(upload.name)}: the glossary has no terms.")
            return terms, upload.name
    except WorkbenchError as exc:
        st.error(inputs.plain(explain(exc, APP)))
    return [], "none"


def choose_companion(label: str, what: str, choices: Sequence[str], key: str, help: str) -> tuple[str, Source | None]:
    """A reference or second version (`what`, a noun for the messages): (choice, the pasted or
    uploaded text when that was chosen)."""
    choice = st.selectbox(label, choices, key=key, help=help)
    if choice in ("Paste text", "Upload file"):
        return choice, _text_source(what[:1].upper() + what[1:], choice, f"{key}_paste", f"{key}_upload", 120,
                                    f"Paste the {what} here.", f"Paste the {what} into the box.")
    return choice, None


# ---------------------------------------------------------------- computing


def _companion(choice: str, source: Source | None, src: documents.Document, lang: str,
               what: str) -> documents.Document | None:
    """The reference / second version the user chose, or None (with a message when it cannot be used)."""
    try:
        if choice == TEAM_REFERENCE:
            path = inputs.team_reference(src.name, lang)
            if path is None:
                st.info(f"There is no team reference in samples/ for this article in {language_name(lang)}; "
                        f"no {what}.")
                return None
            return read_companion(("file", str(path)), lang, what)
        if choice in ("Paste text", "Upload file") and source is not None:
            return read_companion(source, lang, what)
    except WorkbenchError as exc:
        st.error(inputs.plain(explain(exc, APP)))
    return None


def machine_translation(engine: Engine, src: documents.Document, lang: str) -> tuple[documents.Document | None, str]:
    """The English machine-translated into `lang` with the Translate view's engine (sentences come
    from its cache when already translated), as a Document of the same paragraphs; or None and why."""
    try:
        chain = engine.route(src.lang, lang)
    except MissingModel as exc:
        return None, f"{explain(exc, APP)} Or choose a second version to compare the wording with."
    with st.spinner(f"Translating the English into {language_name(lang)} for the wording diff…"):
        aligned = engine.translate_documents([src], [lang])[0]
    texts = [aligned.paragraph_translation(lang, p.index) for p in src.paragraphs]
    via = " + ".join(p.label for p in chain)
    if not in_script(texts, lang):
        return None, (f"The installed {via} model's output is not {language_name(lang)} text, so there is no "
                      "machine translation to compare the wording with. Choose a second version instead.")
    doc = documents.build_document(texts, f"machine translation ({via})", lang, [p.kind for p in src.paragraphs])
    return doc, via


def compute(engine: Engine, src: documents.Document, version: documents.Document, glossary: list,
            reference: documents.Document | None, other: documents.Document | None, use_mt: bool,
            unit: str) -> dict:
    """Alignment, checks and wording diff (the expensive part; kept per session by content key)."""
    lang = version.lang
    result: dict = {"diff_note": "", "other_label": "", "english": None, "comparison": None}
    if use_mt:
        other, note = machine_translation(engine, src, lang)
        if other is None:
            result["diff_note"] = note
        else:
            result["other_label"] = "Machine translation"
            result["english"] = [p.text for p in src.paragraphs]
    elif other is not None:
        result["other_label"] = "Second version"
    glossary = GlossaryIndex.of(glossary)  # read once for the alignments and the checks
    with st.spinner("Aligning and checking…"):
        paragraphs = align_documents(src, version, engine=engine, unit="paragraph", glossary=glossary)
        result["paragraphs"] = paragraphs
        result["alignment"] = (paragraphs if unit == "paragraph"
                               else align_documents(src, version, engine=engine, unit="sentence", glossary=glossary))
        ref = [p.text for p in reference.paragraphs] if reference is not None else None
        result["report"] = check_alignment(paragraphs, glossary, ref, engine, with_round_trip=True)
        if other is not None:
            result["comparison"] = compare_documents(other, version, lang)
    return result



# ---------------------------------------------------------------- showing


def _pager(label: str, total: int, key: str) -> int:
    pages = render.paginate(total, 1, cr.PAGE_SIZE).pages
    if pages <= 1:
        return 1
    return st.selectbox(label, range(1, pages + 1), key=key,
                        format_func=lambda n: f"{(n - 1) * cr.PAGE_SIZE + 1}–{min(n * cr.PAGE_SIZE, total)} of {total}")


def _downloads(buttons: Sequence[tuple[str, bytes, str, str, str]]) -> None:
    cols = st.columns(len(buttons) + 2)
    for col, (label, data, name, mime, key) in zip(cols, buttons):
        with col:
            st.download_button(label, data, file_name=name, mime=mime, key=key, width="stretch")


def show_alignment(result: dict, stem: str, key: str) -> None:
    alignment: Alignment = result["alignment"]
    report: CheckReport = result["report"]
    unit = alignment.unit
    counts = ", ".join(f"{n} × {t}" + (f" ({cr.TYPE_LABELS[t]})" if cr.TYPE_LABELS.get(t) else "")
                       for t, n in alignment.counts().items() if n)
    low = sum(1 for link in alignment.links if cr.is_low(link))
    st.caption(f"Aligned {len(alignment.source)} English and {len(alignment.target)} {language_name(alignment.lang)} "
               f"{unit}s in {len(alignment.links)} links: {counts}. "
               + (f"**{low} low-confidence link{'s' if low != 1 else ''}** (below {cr.LOW_CONFIDENCE}) to check by eye."
                  if low else "No low-confidence links."))
    if alignment.warning:
        st.warning(f"Alignment: {alignment.warning}.")
    if alignment.note:
        st.info(f"How it was aligned: {alignment.note}.")
    page_no = _pager(f"{unit.capitalize()} links", len(alignment.links), f"cmp-page-{unit}-{key[:12]}")
    st.html(cr.alignment_html(alignment, report if unit == "paragraph" else None, page_no))
    buttons = [
        ("Alignment CSV", alignment.csv_bytes(), f"{stem}.alignment.csv", "text/csv", "cmp-dl-align-csv"),
        ("Alignment JSON", alignment.to_json().encode("utf-8"), f"{stem}.alignment.json", "application/json",
         "cmp-dl-align-json"),
    ]
    if not alignment.unsupported:  # a CAT tool takes every TMX unit as a good match (as `align --tmx`)
        buttons.append(("TMX", alignment.to_tmx().encode("utf-8"), f"{stem}.tmx", "application/x-tmx+xml",
                        "cmp-dl-tmx"))
    _downloads(buttons)
    left_out = alignment.tmx_links()[1]
    if left_out and not alignment.unsupported:
        st.caption(f"The TMX leaves out the {left_out} link{'s' if left_out != 1 else ''} below confidence "
                   f"{TMX_MIN_CONFIDENCE}.")


def show_diff(result: dict, version_label: str, stem: str) -> None:
    comparison: Comparison | None = result["comparison"]
    if comparison is None:
        st.info(result["diff_note"] or "Choose a machine translation or a second version under "
                                       "“Compare the wording with” to see the wording diff.")
        return
    other = result["other_label"]
    changed = comparison.changed()
    st.caption(f"{other} → {version_label}: overall similarity {comparison.similarity:.0%}; "
               f"{comparison.summary()}, most divergent first. "
               "Struck through: only in the first; highlighted: only in the second; yellow/blue: substituted.")
    if not changed:
        st.success(f"The {other.lower()} and the translation have the same wording.")
    else:
        c_top, c_mode = st.columns([1, 3], vertical_alignment="bottom")
        with c_top:
            top = st.selectbox("Pairs shown", TOP_CHOICES, key="cmp_top",
                               format_func=lambda n: "all" if n == "all" else f"top {n}")
        with c_mode:
            inline = st.toggle("Inline (one column)", key="cmp_inline")
        shown = changed if top == "all" else changed[:top]
        st.html(cr.diff_html(shown, comparison.lang, other, version_label, inline, result["english"]))
        if len(shown) < len(changed):
            st.caption(f"Showing {len(shown)} of {len(changed)} differing pairs; the downloads have all of them.")
    _downloads([
        ("Diff CSV", comparison.to_csv().encode("utf-8-sig"), f"{stem}.diff.csv", "text/csv", "cmp-dl-diff-csv"),
        ("Diff JSON", comparison.to_json().encode("utf-8"), f"{stem}.diff.json", "application/json", "cmp-dl-diff-json"),
    ])


def show_checks(result: dict, key: str, stem: str) -> None:
    report: CheckReport = result["report"]
    counts = report.counts()
    cols = st.columns(5)
    cols[0].metric("Errors", counts["error"])
    cols[1].metric("Warnings", counts["warning"])
    cols[2].metric("Notes", counts["note"])
    if report.document_metrics:
        cols[3].metric("chrF vs reference", f"{report.document_metrics['chrf']:.1f}")
        cols[4].metric("BLEU vs reference", f"{report.document_metrics['bleu']:.1f}")
    else:
        cols[3].caption("Choose a reference translation for chrF and BLEU scores.")
    for note in report.notes:
        if note.startswith("round trip"):
            st.info(note[0].upper() + note[1:] + ".")
    drifted = sum(1 for r in report.rows if r.round_trip and r.round_trip.drift)
    if any(r.round_trip for r in report.rows):
        st.caption(f"Round trip: the translation was translated back to English; {drifted} paragraph"
                   f"{'s' if drifted != 1 else ''} may have drifted in meaning (see the alignment tab's scores).")
    if not report.issues:
        st.success("No problems found: numbers, dates, glossary terms and scripts agree with the English.")
    else:
        page_no = _pager("Issues", len(report.issues), f"cmp-issues-{key[:12]}")
        st.html(cr.issues_html(report, page_no))
    _downloads([
        ("Checks CSV", report.to_csv().encode("utf-8-sig"), f"{stem}.checks.csv", "text/csv", "cmp-dl-check-csv"),
        ("Checks JSON", report.to_json().encode("utf-8"), f"{stem}.checks.json", "application/json",
         "cmp-dl-check-json"),
    ])


# ---------------------------------------------------------------- the view


def compare_view(engine: Engine, src: documents.Document | None) -> None:
    if src is not None and src.lang != "en":
        st.error(f"The Compare view checks translations of an English article; this one is "
                 f"{language_name(src.lang)}. Set the source language back to English.")
        src = None
    demos = inputs.compare_demos()
    left, right = st.columns([3, 2], gap="large")
    with left:
        source, demo = choose_translation(demos)
    with right:
        lang_choice = LANG_CHOICES[st.radio("Its language", list(LANG_CHOICES), horizontal=True, key="cmp_lang",
                                            help="Detect reads the script: Hangul is Korean, Chinese "
                                                 "characters without Hangul are Chinese.")]
        glossary, glossary_name = choose_glossary(src)
        ref_choice, ref_source = choose_companion(
            "Reference translation (for chrF and BLEU)", "reference translation", REFERENCE_CHOICES, "cmp_ref",
            "Another translation of the same article, taken as correct: each paragraph and the whole text "
            "are scored against it.")
        other_choice, other_source = choose_companion(
            "Compare the wording with", "second version", OTHER_CHOICES, "cmp_other",
            "The machine translation of the English (needs the en→ko / en→zh model) or a second version "
            "of the translation: the paragraphs that differ most are shown first, changes highlighted.")
    if src is None or source is None:
        return
    if demo is not None:
        english = load_file(str(demo.english), demo.english.stat().st_mtime, "en")
        if inputs.document_key(english) != inputs.document_key(src):
            st.warning(f"This demo is a translation of {demo.english.name}. Choose Article → Sample → "
                       f"{demo.english.name} above to compare it, or paste your own translation.")
            return
    try:
        version, message = read_translation(source, lang_choice)
    except WorkbenchError as exc:
        st.error(inputs.plain(explain(exc, APP)))
        return
    if message:
        st.warning(message)
    lang = version.lang
    reference = _companion(ref_choice, ref_source, src, lang, "reference translation") if ref_choice != "None" else None
    use_mt = other_choice == MACHINE
    other = None
    if other_choice not in (MACHINE, "Nothing"):
        other = _companion(other_choice, other_source, src, lang, "second version")

    c_info, c_unit = st.columns([4, 1], vertical_alignment="bottom")
    with c_unit:
        unit = "sentence" if st.toggle("Align sentences", key="cmp_by_sentence",
                                       help="One link per sentence instead of per paragraph (the checks "
                                            "stay per paragraph).") else "paragraph"
    with c_info:
        extras = [f"glossary: {inputs.plain(glossary_name)} ({len(glossary)} terms)" if glossary else "no glossary"]
        extras.append(f"reference: {inputs.plain(reference.name)}" if reference is not None else "no reference")
        st.caption(f"**{inputs.plain(version.name)}** · {language_name(lang)} · {len(version.paragraphs)} paragraphs, "
                   f"{version.sentence_count} sentences · " + " · ".join(extras))

    packages = sorted(p.identity for p in engine.packages())
    key = inputs.content_key(
        inputs.document_key(src), inputs.document_key(version), lang, [repr(t) for t in glossary],
        inputs.document_key(reference) if reference is not None else None,
        "mt" if use_mt else (inputs.document_key(other) if other is not None else None), packages, unit)
    results = st.session_state.get("compare_results", {})
    if key not in results:
        try:
            remember("compare_results", key, compute(engine, src, version, glossary, reference, other, use_mt, unit))
        except WorkbenchError as exc:
            st.error(inputs.plain(explain(exc, APP)))
            return
        except Exception as exc:
            st.error(inputs.plain(f"Comparison failed. {inputs.one_line(exc)}"))
            return
        results = st.session_state["compare_results"]
    result = results[key]

    stem = inputs.download_stem(version.name)
    counts = result["report"].counts()
    found = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning") if counts[s]]
    check_label = "Checks" + (" · " + ", ".join(found) if found else "")
    tab_align, tab_diff, tab_checks = st.tabs(["Alignment", "Wording diff", check_label])
    with tab_align:
        show_alignment(result, stem, key)
    with tab_diff:
        show_diff(result, f"{language_name(lang)} translation", stem)
    with tab_checks:
        show_checks(result, key, stem)

