# Parallax, the Streamlit page. Start it with
#     parallax app                       (add --headless on a server, --port N to move it)
# which passes the server options (workbench/cli/server.py); started any other way, the page
# refuses to run and says so.
# All translation, alignment and export work is done by the workbench library; this file only
# lays out the page and calls it.

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `streamlit run` puts only this folder on sys.path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from workbench import documents, export  # noqa: E402
from workbench.app import compare_view, inputs, render  # noqa: E402
from workbench.cli import server  # noqa: E402
from workbench.app.state import count_run, read_upload, remember  # noqa: E402
from workbench.cache import TranslationCache  # noqa: E402
from workbench.engine import AlignedDocument, Engine  # noqa: E402
from workbench.errors import MissingModel, NotEnglish, WorkbenchError  # noqa: E402
from workbench.messages import APP, explain, install_hint, offline_hint  # noqa: E402
from workbench.langid import language_name  # noqa: E402
from workbench.models import install_archive, scan_packages  # noqa: E402

DEFAULT_TARGETS = ("ko", "zh")
VIEWS = ("Translate", "Compare")


# ---------------------------------------------------------------- cached resources


@st.cache_resource(show_spinner=False)
def get_engine() -> Engine:
    """One engine (and translation cache) per server process; models load on first use and stay."""
    return Engine(cache=TranslationCache())


@st.cache_data(show_spinner=False, max_entries=16)
def load_sample(path: str, mtime: float, lang: str | None) -> documents.Document:
    return documents.read_file(path, lang)


@st.cache_data(show_spinner=False, max_entries=16)
def load_text(text: str, lang: str | None) -> documents.Document:
    return documents.from_text(text, "pasted text", lang)


@st.cache_data(show_spinner=False, max_entries=8)
def load_upload(data: bytes, name: str, lang: str | None) -> documents.Document:
    return read_upload(data, name, lang)  # stops when nobody waits for it any more


one_line = inputs.one_line
plain = inputs.plain  # every string from a file or an archive goes through this before Markdown


def models_read_only() -> bool:
    """PARALLAX_READONLY_MODELS=1: a shared deployment where visitors may not install models."""
    return os.environ.get("PARALLAX_READONLY_MODELS", "").strip().lower() in ("1", "true", "yes", "on")


# ---------------------------------------------------------------- models panel


def install_upload(upload) -> None:
    """Install an uploaded .argosmodel once (reruns do not install it again)."""
    done = st.session_state.setdefault("model_uploads", {})
    if upload.file_id not in done:
        try:
            with tempfile.TemporaryDirectory(prefix="parallax-upload-") as tmp:
                path = Path(tmp) / (Path(upload.name).name or "upload.argosmodel")
                path.write_bytes(upload.getbuffer())
                pkg = install_archive(path)
            done[upload.file_id] = ("ok", f"Installed {pkg.pair} {pkg.version} into {pkg.path}")
            # The engine scans the package folder on every call, so the new pair is usable at
            # once; finished results stay shown, labelled with the package they were made with.
        except WorkbenchError as exc:
            done[upload.file_id] = ("error", explain(exc, APP))
        except Exception as exc:
            done[upload.file_id] = ("error", f"{upload.name}: install failed. {one_line(exc)}")
    kind, message = done[upload.file_id]
    (st.success if kind == "ok" else st.error)(plain(message))


def models_panel() -> None:
    st.header("Models")
    read_only = models_read_only()
    if read_only:
        st.caption("Installing models is turned off on this server (PARALLAX\\_READONLY\\_MODELS).")
    else:
        upload = st.file_uploader("Install a model (.argosmodel)", type=["argosmodel"], key="model_upload",
                                  max_upload_size=inputs.UPLOAD_LIMIT_MB["model"],
                                  help="An Argos Translate package file, e.g. translate-en_ko-1_1.argosmodel")
        if upload is not None:
            install_upload(upload)
    packages, broken = scan_packages()
    if not packages:
        st.caption("No translation models installed.")
    for p in packages:
        st.markdown(f"**{plain(p.pair)}** · {plain(language_name(p.from_code))} → {plain(language_name(p.to_code))}"
                    f" · version {plain(p.version or '?')}")
        st.caption(plain(p.path))
    for b in broken:
        st.warning(f"Unusable package {plain(b.path.name)}: {plain(b.reason)}")
    have = {(p.from_code, p.to_code) for p in packages}
    for t in DEFAULT_TARGETS:
        if ("en", t) not in have:
            st.warning(f"Missing en→{t} ({language_name(t)}). Install it with:")
            st.code(install_hint("en", t), language="bash", wrap_lines=True)
            st.caption(f"{offline_hint('en', t).capitalize()}" + ("." if read_only else ", or upload the file above."))


# ---------------------------------------------------------------- input


DETECT = "detect (English)"


def _input_id() -> str:
    """Which article the input widgets hold now (read from their state), to notice a new one."""
    ss = st.session_state
    return repr((ss.get("mode"), ss.get("sample"), ss.get("paste"), getattr(ss.get("article_upload"), "file_id", None)))


def source_languages(engine: Engine) -> list[str]:
    """Non-English source languages to offer: those of installed packages, and the language the
    current article was detected in (set as the source by `choose_document`, reset when the
    article changes)."""
    ss = st.session_state
    auto = ss.get("auto_source")  # (input id, language): the select was switched to it by detection
    if auto and auto[0] != _input_id():
        if ss.get("source_lang") == auto[1]:
            ss["source_lang"] = DETECT
        del ss["auto_source"]
        auto = None
    if "next_source_lang" in ss:  # set before the select is drawn (Streamlit allows it only then)
        ss["source_lang"] = ss.pop("next_source_lang")
    return sorted(({p.from_code for p in engine.packages()} | ({auto[1]} if auto else set())) - {"en"})


def choose_document(engine: Engine, then: str = ", then click Translate",
                    switch_source: bool = True) -> documents.Document | None:
    """The article to translate (or to compare a translation with), or None (with a message on
    the page) when there is none. Both views draw these same widgets, so the choice carries over.

    An article that is not English switches the source language to the detected one (once per
    article; the select shows it and can set it back), unless `switch_source` is off (the Compare
    view, which needs the English original)."""
    source_langs = source_languages(engine)
    left, right = st.columns([3, 1]) if source_langs else (st.container(), None)
    with left:
        mode = st.radio("Article", ["Sample", "Paste text", "Upload file"], horizontal=True, key="mode")
    lang = None
    if right is not None:
        with right:
            choice = st.selectbox("Source language", [DETECT, *source_langs], key="source_lang",
                                  format_func=lambda c: c if c == DETECT else f"{language_name(c)} ({c})")
            lang = None if choice == DETECT else choice
    try:
        if mode == "Sample":
            files = inputs.sample_files()
            if not files:
                st.info("No English samples in samples/ (files named like article.en.txt). Paste or upload an article.")
                return None
            name = st.selectbox("Sample article", [p.name for p in files], index=inputs.default_sample_index(files),
                                key="sample")
            path = inputs.SAMPLES_DIR / name
            return load_sample(str(path), path.stat().st_mtime, lang)
        if mode == "Paste text":
            name = language_name(lang or "en")  # the source language box's choice (or detection's switch)
            a_name = ("an " if name[:1] in "AEIOU" else "a ") + name
            text = st.text_area(f"{name} text", key="paste", height=220,
                                placeholder=f"Paste {a_name} article: one paragraph per line, or paragraphs "
                                            "separated by blank lines. The first line may be the title.")
            if text == "":
                st.info(f"Paste {a_name} article into the box{then}.")
                return None
            return load_text(text, lang)
        upload = st.file_uploader("Article file", type=inputs.ARTICLE_TYPES, key="article_upload",
                                  max_upload_size=inputs.UPLOAD_LIMIT_MB["article"])
        if upload is None:
            st.info("Upload an English article (.txt, .md, .html, .docx or .pdf).")
            return None
        return load_upload(upload.getvalue(), upload.name, lang)
    except NotEnglish as exc:
        found = (_input_id(), exc.detected)
        if switch_source and exc.detected and st.session_state.get("auto_source") != found:
            st.session_state["auto_source"] = found
            st.session_state["next_source_lang"] = exc.detected
            st.rerun()
        st.warning(plain(explain(exc, APP if right is not None else {})))  # the box exists only then
        return None
    except WorkbenchError as exc:
        st.error(plain(explain(exc, APP)))
        return None


def choose_targets(engine: Engine, doc: documents.Document) -> tuple[list[str], list[str]]:
    """(selected targets that have a model, selected targets that do not)."""
    available = engine.targets_for(doc.lang)
    usual = [t for t in ("en", *DEFAULT_TARGETS) if t != doc.lang]  # from Korean: English first
    options = list(dict.fromkeys(usual + available))
    default = [t for t in usual if t in available]
    if not default:  # nothing installed for this source: preselect what is missing, so the page says so
        default = usual if doc.lang == "en" else usual[:1]
    chosen = st.multiselect(
        "Translate into", options, default=default,
        key="targets" if doc.lang == "en" else f"targets-{doc.lang}",  # options differ per source: a choice each
        format_func=lambda c: f"{language_name(c)} ({c})" + ("" if c in available else " · not installed"))
    ready = [t for t in chosen if t in available]
    return ready, [t for t in chosen if t not in available]


# ---------------------------------------------------------------- translation


def translate(engine: Engine, doc: documents.Document, targets: list[str], table, by: str,
              page: int) -> dict | None:
    """Run the engine, filling the table placeholder chunk by chunk; None (and a message) on failure."""
    total = doc.sentence_count
    names = ", ".join(language_name(t) for t in targets)
    slot = st.empty()  # the live status, replaced by the result's caption when done (one status line)
    status = slot.status(f"Translating {total} sentences into {names}…", expanded=True)
    # Drawn through the status object, not `with status:` (leaving that block marks it complete ✓
    # while the sentences are still being translated); `slot.empty()` removes it when done.
    bars = {t: status.progress(0.0, text=f"{language_name(t)}: 0 / {total} sentences") for t in targets}

    def progress(lang: str, done: int, of: int) -> None:
        if lang in bars:
            bars[lang].progress(done / of if of else 1.0, text=f"{language_name(lang)}: {done} / {of} sentences")

    start = time.perf_counter()
    try:
        used = inputs.made_with([engine.route(doc.lang, t) for t in targets if t != doc.lang])
        aligned: AlignedDocument | None = None
        for _lang, docs in engine.iter_translate_documents([doc], targets, progress=progress):
            aligned = docs[0]
            table.html(render.aligned_html(doc, aligned, targets, by, page))
    except WorkbenchError as exc:
        status.update(label="Translation failed", state="error", expanded=False)
        st.error(plain(explain(exc, APP)))
        return None
    except Exception as exc:
        status.update(label="Translation failed", state="error", expanded=False)
        st.error(f"Translation failed. {one_line(exc)}")
        return None
    seconds = time.perf_counter() - start
    cached = sum(1 for paras in aligned.translations.values() for s in paras for t in s if t.cached)
    slot.empty()
    return {"aligned": aligned, "seconds": seconds, "cached": cached, "targets": targets, "made_with": used}



# ---------------------------------------------------------------- page


def show_warnings(doc: documents.Document) -> None:
    """What reading the file noticed but did not refuse (e.g. lines in another encoding)."""
    for warning in doc.warnings:
        st.warning(plain(warning))
    if doc.language_assumed:
        st.caption("The text is too short to tell its language reliably; it is taken as English.")


def page() -> None:
    engine = get_engine()
    compare_view.keep_state(extra=("by_sentence",))
    with st.sidebar:
        try:
            models_panel()
        except Exception as exc:  # the panel must never take the page down
            st.error(f"Cannot list models. {one_line(exc)}")

    head, switch = st.columns([3, 2], vertical_alignment="bottom")
    with head:
        st.title("Parallax")
    with switch:
        view = st.segmented_control("View", VIEWS, default=VIEWS[0], required=True, key="view",
                                    label_visibility="collapsed", width="stretch")
    if view == "Compare":
        st.caption("Check an existing Korean or Chinese translation against its English source: how its "
                   "paragraphs align, where its wording differs, and what the checks find.")
        doc = choose_document(engine, then="", switch_source=False)
        if doc is not None:
            st.caption(f"**{plain(doc.name)}** · {language_name(doc.lang)} · {len(doc.paragraphs)} paragraphs · "
                       f"{doc.sentence_count} sentences")
            show_warnings(doc)
        compare_view.compare_view(engine, doc)
        return
    st.caption("Offline English → Korean / Chinese translation, aligned paragraph by paragraph and sentence by sentence.")
    doc = choose_document(engine)
    if doc is None:
        return
    st.caption(f"**{plain(doc.name)}** · {language_name(doc.lang)} · {len(doc.paragraphs)} paragraphs · "
               f"{doc.sentence_count} sentences")
    show_warnings(doc)

    left, right = st.columns([4, 1], vertical_alignment="bottom")
    with left:
        targets, missing = choose_targets(engine, doc)
    absent = []
    for t in missing:
        try:
            engine.route(doc.lang, t)
        except MissingModel as exc:
            absent.append(exc)
    if absent:  # one message, one install command, for all of them
        st.warning(plain(explain(MissingModel.several(absent), APP)))
    key = inputs.result_key(doc, targets)
    with right:
        clicked = st.button("Translate", type="primary", disabled=not targets, width="stretch")
    status_box = st.container()

    c_by, c_page, c_csv, c_json = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
    with c_by:
        by = "sentence" if st.toggle("One row per sentence", key="by_sentence") else "paragraph"
    pages = render.paginate(render.row_count(doc, by), 1).pages
    page_no = 1
    if pages > 1:
        total = render.row_count(doc, by)
        with c_page:
            page_no = st.selectbox(
                f"{by.capitalize()}s", range(1, pages + 1), key=f"page-{by}-{key[0][:12]}",
                format_func=lambda n: f"{(n - 1) * render.PAGE_SIZE + 1}–{min(n * render.PAGE_SIZE, total)} of {total}")
    table = st.empty()

    results = st.session_state.get("results", {})
    packages = engine.packages()
    previous = results.get(key)
    stale = previous is not None and bool(inputs.replaced_pairs(previous.get("made_with", ()), packages))
    # The same text and targets with the same models: shown, not redone. A result made with a model
    # that was re-installed since stays shown (and says so) until the user translates again.
    if clicked and targets and (previous is None or stale):
        with status_box:
            result = translate(engine, doc, targets, table, by, page_no)
        if result is not None:
            remember("results", key, result)
            results = st.session_state["results"]
    result = results.get(key)
    if result is None:
        table.html(render.aligned_html(doc, None, [], by, page_no))
        if targets and not clicked:
            status_box.caption("Click Translate to fill in the other columns.")
        return
    aligned = result["aligned"]
    table.html(render.aligned_html(doc, aligned, result["targets"], by, page_no))
    low = render.low_confidence_count(aligned)
    n = doc.sentence_count * len(result["targets"])
    notes = [f"Translated in {result['seconds']:.1f} s ({result['cached']} of {n} sentence translations from the cache), "
             f"{plain(inputs.made_with_label(result.get('made_with', ())))}."]
    if low:
        notes.append(f"{low} low-confidence sentences (confidence < {render.LOW_CONFIDENCE}) have a wavy underline.")
    notes.append("Hover over a sentence to see its confidence and to highlight it in every column.")
    status_box.caption(" ".join(notes))
    replaced = inputs.previous_version_note(result.get("made_with", ()), packages)
    if replaced:
        status_box.info(plain(replaced))
    stem = inputs.download_stem(doc.name)
    with c_csv:
        st.download_button(f"CSV ({by}s)", export.csv_bytes([aligned], by=by), file_name=f"{stem}.{by}s.csv",
                           mime="text/csv", width="stretch", key="dl-csv")
    with c_json:
        st.download_button("JSON", export.to_json([aligned]).encode("utf-8"), file_name=f"{stem}.json",
                           mime="application/json", width="stretch", key="dl-json")


def main() -> None:
    st.set_page_config(page_title="Parallax", page_icon="🔀", layout="wide")
    from streamlit import config

    unset = server.unset_options(config.is_manually_set)
    if unset:  # e.g. `streamlit run .../main.py` from another folder: every interface, usage stats on
        st.title("Parallax")
        st.error(server.refusal(unset))
        return
    count_run()  # an older run's upload parse still going now stops
    try:
        page()
    except WorkbenchError as exc:
        st.error(plain(explain(exc, APP)))
    except Exception as exc:  # a bug: one line, never a traceback
        st.error(plain(one_line(exc)))


main()
