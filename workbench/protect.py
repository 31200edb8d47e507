"""Protected spans: URLs, e-mail addresses, inline code and file paths inside a sentence come back
verbatim in every translation.

A translation model rewrites whatever it is given: it "translates" a path, drops half a URL or
spaces out an e-mail address. So the engine masks each span before the sentence goes to the
model and puts the original back afterwards (`mask` / `Masked.unmask`). The mask is one
private-use character per span (U+E000, U+E001, ...): absent from every model's vocabulary, it is
tokenized as `<unk>`, and CTranslate2's `replace_unknowns` (Argos's setting) copies the source
token the model attended to back into the output. When a placeholder does not come back exactly
once (a model dropped or doubled it), `Masked.unmask` says so (None) and the engine translates the
text *around* the spans instead (`Masked.pieces`) and reinserts them (`Masked.rebuild`): slower
and less fluent, but the spans are never lost.

The sentence segmenter uses `find_spans` too, so it never splits inside a URL, path or address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["find_spans", "has_words", "mask", "Masked", "PLACEHOLDER_BASE"]

PLACEHOLDER_BASE = 0xE000  # Unicode private-use area: no model, and no ordinary text, has these
_MAX_SPANS = 256
_PLACEHOLDERS = re.compile("[\ue000-\ue0ff]")

_TLDS = "com|org|net|io|dev|gov|edu|int|info|biz|app|ai|co|uk|de|fr|jp|kr|cn|us|eu|ca|au|me|ly|sh|gg|tv|xyz|rs"
_PATH_CHARS = r"[\w.+~%@=-]"
_EXT = r"\.[A-Za-z][A-Za-z0-9]{0,5}"
# code-file and document extensions a bare file name ("README.md", "setup.py") must end with
_FILE_EXTS = ("py|pyi|ipynb|md|rst|txt|json|jsonl|ya?ml|toml|ini|cfg|conf|sh|bash|zsh|ps1|bat|js|mjs|cjs|ts|tsx|jsx|"
              "html?|css|scss|xml|csv|tsv|c|h|cc|cpp|hpp|rs|go|java|kt|rb|php|pl|swift|lock|sql|env|log|"
              "docx|pdf|png|jpe?g|gif|svg|zip|gz|tar|whl|exe|dll|so|dylib|argosmodel")

_SPAN = re.compile(
    "|".join([
        r"(?P<code>(?P<ticks>`{1,3})(?!`)[^\n]{1,100}?(?<!`)(?P=ticks)(?!`))",  # `inline code`, one line
        r"(?P<url>\b(?:[a-z][a-z0-9+.-]{1,15}://|mailto:|www\.)[^\s<>\"`]+)",  # https://..., www....
        r"(?P<mail>(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})",  # a@b.org
        rf"(?P<host>(?<![\w.-])(?:[A-Za-z0-9-]+\.)+(?:{_TLDS})/[^\s<>\"`]*)",  # github.com/owner/repo
        r"(?P<win>\b[A-Za-z]:\\[^\s<>\"`|?*]+)",  # C:\Users\me\file.txt
        rf"(?P<abs>(?<![\w/.:])(?:~|\.{{1,2}})?/{_PATH_CHARS}+(?:/{_PATH_CHARS}+)+/?)",  # /usr/bin/x, ./a/b, ~/x
        rf"(?P<dot>(?<![\w/.:])(?:~|\.{{1,2}})/{_PATH_CHARS}+/?)",  # ./start.sh, ~/notes
        rf"(?P<rel>(?<![\w/.:@-])[\w.+-]+(?:/[\w.+-]+)+{_EXT}(?![\w/]))",  # docs/install.md
        rf"(?P<file>(?<![\w/.:@-])[\w-]+(?:\.[\w-]+)*\.(?:{_FILE_EXTS})(?![\w/]))",  # README.md, setup.py
    ])
)
_TRAILING = ".,;:!?'\"”’»)]}>"
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}


def _trim(text: str, a: int, b: int) -> int:
    """A span's end without sentence punctuation after it: "see https://x.org/a." ends before the
    period; a closing bracket stays when the span opened it ("wiki/Foo_(bar)")."""
    while b > a and text[b - 1] in _TRAILING:
        c = text[b - 1]
        if c in _PAIRS and text.count(_PAIRS[c], a, b) >= text.count(c, a, b):
            break
        b -= 1
    return b


def find_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every protected span, in order and not overlapping."""
    spans: list[tuple[int, int]] = []
    for m in _SPAN.finditer(text):
        a, b = m.span()
        if m.lastgroup == "code":  # `?` and `{:?}` are code too
            spans.append((a, b))
            continue
        b = _trim(text, a, b)
        if b - a >= 3 and any(c.isalnum() for c in text[a:b]):
            spans.append((a, b))
    return spans


def has_words(text: str) -> bool:
    """Whether a piece of text has anything for a model to translate (a letter)."""
    return any(c.isalpha() for c in text)


@dataclass(frozen=True)
class Masked:
    """A sentence with its protected spans replaced by placeholders."""

    source: str
    text: str | None  # what the model sees; None: placeholders unusable, translate around the spans
    spans: tuple[str, ...]  # the originals, placeholder i stands for spans[i]
    cuts: tuple[tuple[int, int], ...]  # where they were in `source`

    @property
    def has_spans(self) -> bool:
        return bool(self.spans)

    @property
    def needs_model(self) -> bool:
        """False when nothing but spans and punctuation is left: the sentence comes back as it is."""
        return not self.spans or any(has_words(piece) for piece in self.pieces())

    def unmask(self, translated: str) -> str | None:
        """The translation with the spans put back, or None when a placeholder did not come back
        exactly once (then translate around the spans: `pieces` and `rebuild`)."""
        if not self.spans:
            return translated
        if self.text is None:
            return None
        found = _PLACEHOLDERS.findall(translated)
        if sorted(found) != [chr(PLACEHOLDER_BASE + i) for i in range(len(self.spans))]:
            return None
        return _PLACEHOLDERS.sub(lambda m: self.spans[ord(m.group()) - PLACEHOLDER_BASE], translated)

    def pieces(self) -> list[str]:
        """The source text between the spans (len(spans) + 1 pieces, some empty)."""
        edges = [0, *(x for cut in self.cuts for x in cut), len(self.source)]
        return [self.source[a:b] for a, b in zip(edges[::2], edges[1::2])]

    def rebuild(self, translated_pieces: list[str]) -> str:
        """Translated pieces with the spans between them; each piece keeps the whitespace that
        surrounded it in the source, so "at URL before" stays spaced in any language."""
        out = []
        for i, (piece, done) in enumerate(zip(self.pieces(), translated_pieces)):
            if piece.strip():
                lead = piece[: len(piece) - len(piece.lstrip())]
                trail = piece[len(piece.rstrip()):]
                out.append(lead + done.strip() + trail)
            else:
                out.append(piece)
            if i < len(self.spans):
                out.append(self.spans[i])
        return "".join(out)


def mask(sentence: str) -> Masked:
    """`sentence` with each protected span replaced by a placeholder. A sentence that already holds
    placeholder characters (or has very many spans) keeps its text and is translated around its
    spans (`Masked.unmask` then always says None)."""
    cuts = find_spans(sentence)
    if not cuts:
        return Masked(sentence, sentence, (), ())
    spans = tuple(sentence[a:b] for a, b in cuts)
    if _PLACEHOLDERS.search(sentence) or len(cuts) > _MAX_SPANS:
        return Masked(sentence, None, spans, tuple(cuts))
    parts, last = [], 0
    for i, (a, b) in enumerate(cuts):
        parts += [sentence[last:a], chr(PLACEHOLDER_BASE + i)]
        last = b
    parts.append(sentence[last:])
    return Masked(sentence, "".join(parts), spans, tuple(cuts))
