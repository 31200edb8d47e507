"""Comparing translations: wording diffs, round trips, consistency checks and reference metrics.

* `compare_texts` / `compare_documents`: two versions in one language (two translators, a
  machine translation and its post-edit). Paragraphs are paired with the aligner (so a merged or
  missing paragraph does not shift every later pair), then diffed character by character for
  Chinese and Korean and word by word for English. Each pair gets a similarity in [0, 1];
  `most_divergent` sorts the pairs that differ most first. `diff_to_html` renders a diff with
  every piece escaped, for the app.
* `round_trip`: translate each version back to English with an installed KO→EN / ZH→EN model and
  compare with the original English (chrF and a word diff), flagging paragraphs whose meaning may
  have drifted. `round_trip_problem` says which package would enable it when missing.
* `check_translation` / `check_documents`: per linked paragraph, numbers and dates missing or
  changed (normalised across the languages, see `align.number_tokens` for what is and is not
  understood), glossary terms not rendered as the glossary says, the wrong script in a cell
  (stray English, Korean in the Chinese column, traditional characters in simplified Chinese),
  omitted and added paragraphs, and -- with a reference translation -- chrF and BLEU per
  paragraph and for the document (sacrebleu; BLEU tokenised with "zh" for Chinese and "char"
  for Korean).
* Exports: CSV (cells neutralised against formula injection) and JSON of comparisons and check
  reports; TMX of alignments is in `align`.
"""

from .checks import Issue, check_glossary, check_numbers, check_script
from .diff import (CJK_LANGS, DIFF_CSS, Op, diff_counts, diff_texts, diff_to_html, diff_to_text, similarity,
                   tokens)
from .metrics import (DRIFT_BELOW_MEDIAN, DRIFT_CHRF, RoundTrip, back_translate, corpus_metrics, reference_texts,
                      round_trip, round_trip_problem, sentence_metrics)
from .report import CheckReport, CheckRow, check_alignment, check_documents, check_translation
from .versions import Comparison, ParagraphDiff, compare_documents, compare_texts, most_divergent, pair_versions

__all__ = [
    "CJK_LANGS", "DIFF_CSS", "DRIFT_BELOW_MEDIAN", "DRIFT_CHRF", "CheckReport", "CheckRow", "Comparison", "Issue",
    "Op", "ParagraphDiff", "RoundTrip", "back_translate", "check_alignment", "check_documents", "check_glossary",
    "check_numbers", "check_script", "check_translation", "compare_documents", "compare_texts", "corpus_metrics",
    "diff_counts", "diff_texts", "diff_to_html", "diff_to_text", "most_divergent", "pair_versions",
    "reference_texts", "round_trip", "round_trip_problem", "sentence_metrics", "similarity", "tokens",
]
