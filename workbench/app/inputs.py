"""Small helpers for the page that need no Streamlit: sample files, result keys, file names."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from workbench.documents import MAX_HTML_BYTES, MAX_INPUT_BYTES, MAX_PDF_BYTES, SUPPORTED_SUFFIXES, Document
from workbench.models import PackageInfo

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"  # package data (pyproject.toml)
DEFAULT_SAMPLE = "china-dprk-vice-premier-visit.en.txt"
ARTICLE_TYPES = sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES)

_MB = 2**20
# Per upload kind, in MB (Streamlit's max_upload_size): an upload is held in memory per session, so
# an article or glossary uploader must not take the 1 GB that .streamlit/config.toml allows for
# model archives. An article's limit is the largest file the readers accept (a PDF's).
UPLOAD_LIMIT_MB = {
    "article": max(MAX_PDF_BYTES, MAX_HTML_BYTES, MAX_INPUT_BYTES) // _MB,
    "glossary": MAX_INPUT_BYTES // _MB,  # as for a glossary file (align.glossary_from_bytes checks it)
    "model": 1024,
}


def sample_files(folder: Path = SAMPLES_DIR) -> list[Path]:
    """English samples only (`name.en.txt`, `name.en.html`, ...): reference translations such as
    `name.ko.txt` may sit beside them and are not articles to translate."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and p.stem.lower().endswith(".en"))


def default_sample_index(files: Sequence[Path]) -> int:
    names = [p.name for p in files]
    return names.index(DEFAULT_SAMPLE) if DEFAULT_SAMPLE in names else 0


def document_key(doc: Document) -> str:
    """A hash of what the translation depends on: language and every paragraph's sentences."""
    payload = json.dumps([doc.lang, [[p.kind, list(p.sentences)] for p in doc.paragraphs]], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def result_key(doc: Document, targets: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """A finished result is kept under its text and targets only, not the installed packages:
    another session re-installing a model must not make it vanish (see `made_with`)."""
    return document_key(doc), tuple(targets)


def made_with(chains: Sequence[Sequence[PackageInfo]]) -> tuple[tuple[str, str, str], ...]:
    """(pair, version, identity) of each package a result was translated with, in route order."""
    seen: dict[str, tuple[str, str, str]] = {}
    for chain in chains:
        for p in chain:
            seen.setdefault(p.identity, (p.pair, p.version, p.identity))
    return tuple(seen.values())


def replaced_pairs(used: Sequence[tuple[str, str, str]], packages: Sequence[PackageInfo]) -> list[str]:
    """The pairs among `used` whose newest installed package is no longer the one used (re-installed,
    upgraded or removed since): the result is then from a previous version of that model."""
    newest: dict[str, str] = {}
    for p in packages:  # newest first within a pair
        newest.setdefault(p.pair, p.identity)
    return [pair for pair, _version, identity in used if newest.get(pair) != identity]


def made_with_label(used: Sequence[tuple[str, str, str]]) -> str:
    """"made with en→ko 1.1, en→zh 1.9"."""
    return "made with " + ", ".join(f"{pair} {version}".strip() for pair, version, _ in used)


def previous_version_note(used: Sequence[tuple[str, str, str]], packages: Sequence[PackageInfo]) -> str | None:
    """What to say over a result whose model was replaced since it was made; None if none was."""
    changed = set(replaced_pairs(used, packages))
    if not changed:
        return None
    which = " and ".join(f"{pair} model ({version or '?'})" for pair, version, _ in used if pair in changed)
    return f"Made with a previous version of the {which}; click Translate to translate it again."


# Backslash-escaped (CommonMark allows it for any ASCII punctuation), these cannot form a link or
# image ([ ]), an HTML tag or autolink (< >), emphasis (* _ ~), math ($), a heading (#), a Streamlit
# :color[]/:icon: directive ([ ]) or an entity (&); "://" and "www." are broken up so no bare
# URL becomes a link. Other punctuation is left alone, so messages stay readable in tests.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>~$&#])")


def plain(text: object) -> str:
    """Text from a file, an archive or an error about one, made safe for st.markdown, st.error,
    st.caption...: shown literally on one line, never interpreted as Markdown (a member name like
    ![x](http://host/pixel) would otherwise make every visitor's browser fetch that URL)."""
    text = _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(str(text).split()))
    return text.replace("://", "\\://").replace("www.", "www\\.")


def download_stem(name: str) -> str:
    stem = Path(name).stem
    if stem.lower().endswith(".en"):
        stem = stem[:-3]
    stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip("-.")
    return stem or "parallax"


def one_line(exc: BaseException) -> str:
    """An unexpected exception as one line for the page (never a traceback)."""
    text = " ".join(str(exc).split())
    return f"Unexpected error ({exc.__class__.__name__}{': ' + text[:300] if text else ''})."


# ---------------------------------------------------------------- the Compare view's inputs

COMPARE_LANGS = ("ko", "zh")
VARIANT_ORDER = ("mixed", "merged", "split", "dropped", "added")


@dataclass(frozen=True)
class Demo:
    """A translation in samples/ to try the Compare view with: a team reference or a variant."""

    path: Path
    lang: str
    variant: str  # "reference" or merged | split | dropped | added | mixed
    english: Path  # the English sample it translates
    description: str = ""

    @property
    def value(self) -> str:
        """The stable id shown in the picker: the path under samples/."""
        return self.path.relative_to(self.english.parent).as_posix()

    @property
    def label(self) -> str:
        from workbench.langid import language_name

        if self.variant == "reference":
            return f"{language_name(self.lang)} · team reference translation"
        return f"{language_name(self.lang)} · {self.variant}" + (f": {self.description}" if self.description else "")


def compare_demos(folder: Path = SAMPLES_DIR) -> list[Demo]:
    """For each English sample `X.en.txt`: the team references `X.ko.txt` / `X.zh.txt` and the
    variants `variants/X.<lang>.<variant>.txt` (description from the `.gold.json` beside them).
    Korean first; per language the mixed variant first (it shows every link type), the reference last."""
    demos: list[Demo] = []
    for en in sample_files(folder):
        stem = en.name[: -len(".en" + en.suffix)]
        for lang in COMPARE_LANGS:
            for variant in VARIANT_ORDER:
                path = folder / "variants" / f"{stem}.{lang}.{variant}{en.suffix}"
                if path.is_file():
                    demos.append(Demo(path, lang, variant, en, _gold_description(path)))
            ref = folder / f"{stem}.{lang}{en.suffix}"
            if ref.is_file():
                demos.append(Demo(ref, lang, "reference", en))
    return demos


def _gold_description(path: Path) -> str:
    gold = path.with_name(path.stem + ".gold.json")
    try:
        return str(json.loads(gold.read_text(encoding="utf-8")).get("description", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def is_sample(source_name: str, folder: Path = SAMPLES_DIR) -> bool:
    """Whether the English article is one of the bundled samples (by file name)."""
    return any(p.name == Path(source_name).name for p in sample_files(folder))


def team_reference(source_name: str, lang: str, folder: Path = SAMPLES_DIR) -> Path | None:
    """samples/X.<lang>.txt when the English article is the sample X.en.txt, else None."""
    name = Path(source_name).name
    for en in sample_files(folder):
        if en.name == name:
            ref = folder / f"{name[: -len('.en' + en.suffix)]}.{lang}{en.suffix}"
            return ref if ref.is_file() else None
    return None


def version_language(detected: str | None, choice: str | None) -> tuple[str | None, str | None]:
    """(language to check the translation as, or None; message for the page, or None).

    `detected` is langid's guess for the pasted or uploaded translation, `choice` the user's pick
    (None: take the detected one). English, or any language other than Korean and Chinese, is
    refused whatever the pick: a swapped box is the usual cause. A pick that disagrees with a
    detected Korean/Chinese is followed, with a warning."""
    from workbench.langid import language_name

    if detected is None:
        return None, "The translation has too few letters to tell its language."
    if detected not in COMPARE_LANGS:
        hint = (" The English article goes in the box above; paste its Korean or Chinese translation here."
                if detected == "en" else "")
        return None, (f"The translation looks like {language_name(detected)} ({detected}), not Korean or Chinese."
                      + hint)
    if choice is None or choice == detected:
        return detected, None
    return choice, (f"The translation looks like {language_name(detected)}, not {language_name(choice)}; "
                    f"it is checked as {language_name(choice)} as chosen.")


def content_key(*parts) -> str:
    """A hash of everything a comparison depends on (texts, options, installed packages)."""
    payload = json.dumps(parts, ensure_ascii=False, default=repr, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
