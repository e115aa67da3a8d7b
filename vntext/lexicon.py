"""The domain lexicon: whole-token domain terms, Zalo abbreviations and lexicon entities.

Why a lexicon on top of word segmentation: underthesea segments accented text well but
splits unaccented text into syllables ("ho | ngheo"), so the same question would get
different tokens depending on how it was typed. Matching domain terms in the folded
space first gives "hộ nghèo", "ho ngheo" and "HỘ NGHÈO" one token with one lemma.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import yaml

from vntext.normalise import fold, iter_pieces, nfc

DEFAULT_LEXICON_PATH = Path(__file__).with_name("lexicon.yml")

# "không phải (là) hộ …", "không thuộc (diện) …", "chưa phải …", "ko phai …" right before a tier.
# A tier in a list after a negated one ("không thuộc hộ nghèo, cận nghèo") is negated too.
_NEGATED_BEFORE = re.compile(
    r"\b(khong|chua|ko|k|hong|cha)\s+(phai\s+)?(la\s+)?(thuoc\s+)?(dien\s+)?(la\s+)?(ho\s+)?"
    r"((ngheo|can ngheo|moi thoat ngheo)\s*(,|hay|hoac|va|cung nhu|cung khong phai)?\s*(ho\s+)?)?$")
# "trước đây là hộ nghèo", "từng là hộ cận nghèo": a tier that was, not that is.
# "được đưa ra khỏi danh sách hộ nghèo", "không còn tên trong danh sách cận nghèo": the same.
_PAST_BEFORE = re.compile(r"\b(truoc day|truoc kia|truoc|tung|nam ngoai|ngay truoc)\s+(nha\s+\w+\s+)?(van\s+)?(la|thuoc)"
                          r"\s+(dien\s+)?(ho\s+)?$"
                          r"|\b(ra khoi|thoat khoi|khong con (?:ten )?(?:trong|thuoc|o|la)|rut (?:ten )?khoi)\s+"
                          r"(danh sach\s+)?(dien\s+)?(ho\s+)?$")


def tier_as_told(text: str, start: int) -> str:
    """How a household tier named at ``start`` is told: "negated", "past" or "" (it is).

    One reading for the NLU entity extractor and the answerer: "tôi không phải hộ nghèo,
    cũng không phải cận nghèo" names two tiers the household is not.
    """
    before = fold(text[:start])[-40:]
    if _NEGATED_BEFORE.search(before):
        return "negated"
    return "past" if _PAST_BEFORE.search(before) else ""


# A segmenter turns a text into words that are substrings of it, in order.
Segmenter = Callable[[str], List[str]]


def underthesea_words(text: str) -> List[str]:
    """underthesea word segmentation that returns substrings of ``text``.

    ``use_token_normalize=False``: normalising would rewrite words ("hoà" → "hòa"), and
    then they could no longer be located in the original text.
    """
    from underthesea import word_tokenize

    return word_tokenize(text, use_token_normalize=False)


@dataclass(frozen=True)
class Term:
    """A lexicon entry as matched: its canonical spelling and optional entity."""

    canonical: str
    entity: Optional[str] = None
    value: Optional[str] = None


@dataclass(frozen=True)
class Span:
    """A token of the message: original text and offsets plus normalised forms."""

    text: str
    start: int
    end: int
    normalized: str  # accented canonical form, abbreviations expanded
    term: Optional[Term] = None

    @property
    def folded(self) -> str:
        """The folded lemma used as the token's feature ("ho_ngheo")."""
        return fold(self.normalized).replace(" ", "_")


class Lexicon:
    """Matches lexicon terms and expands abbreviations in any spelling."""

    def __init__(self, terms: Dict[Tuple[str, ...], Term], abbreviations: Dict[str, str]):
        self._terms = terms
        self._abbreviations = abbreviations
        self._max_words = max((len(k) for k in terms), default=1)

    @classmethod
    def from_file(cls, path: Path = DEFAULT_LEXICON_PATH) -> "Lexicon":
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        abbreviations = {
            nfc(str(k)).lower(): nfc(str(v)) for k, v in (data.get("abbreviations") or {}).items()
        }
        terms: Dict[Tuple[str, ...], Term] = {}
        for entry in data.get("terms") or []:
            term = Term(nfc(entry["term"]), entry.get("entity"), entry.get("value"))
            for spelling in [entry["term"], *(entry.get("variants") or [])]:
                key = tuple(fold(nfc(str(spelling))).split())
                if key in terms and terms[key] != term:
                    raise ValueError(f"lexicon spelling {spelling!r} belongs to two terms")
                terms[key] = term
        return cls(terms, abbreviations)

    def expand(self, word: str) -> str:
        """Expand a Zalo abbreviation ("dc" → "được"); other words come back in NFC."""
        word = nfc(word)
        return self._abbreviations.get(word.lower(), word)

    @property
    def terms(self) -> List[Term]:
        """Distinct terms, in file order."""
        return list(dict.fromkeys(self._terms.values()))

    def segment(self, text: str, segmenter: Optional[Segmenter] = None) -> List[Span]:
        """Split ``text`` into spans: lexicon terms whole, the rest by ``segmenter``.

        Offsets always refer to ``text`` itself, so Rasa can place entities on them.
        """
        pieces = list(iter_pieces(text))
        keys = [tuple(fold(self.expand(p)).split()) for p, _, _ in pieces]
        spans: List[Span] = []
        gap_start: Optional[int] = None
        i = 0
        while i < len(pieces):
            match = self._longest_match(keys, i)
            if match is None:
                if gap_start is None:
                    gap_start = i
                i += 1
                continue
            if gap_start is not None:
                spans.extend(self._segment_gap(text, pieces[gap_start:i], segmenter))
                gap_start = None
            length, term = match
            start, end = pieces[i][1], pieces[i + length - 1][2]
            spans.append(Span(text[start:end], start, end, term.canonical, term))
            i += length
        if gap_start is not None:
            spans.extend(self._segment_gap(text, pieces[gap_start:], segmenter))
        return spans

    def _longest_match(self, keys: Sequence[Tuple[str, ...]], i: int) -> Optional[Tuple[int, Term]]:
        """Longest lexicon term starting at piece ``i``, as (pieces used, term)."""
        syllables: Tuple[str, ...] = ()
        best: Optional[Tuple[int, Term]] = None
        for j in range(i, min(len(keys), i + self._max_words)):
            syllables += keys[j]
            if len(syllables) > self._max_words:
                break
            term = self._terms.get(syllables)
            if term is not None:
                best = (j - i + 1, term)
        return best

    def _segment_gap(
        self, text: str, pieces: Sequence[Tuple[str, int, int]], segmenter: Optional[Segmenter]
    ) -> List[Span]:
        """Segment the words between two lexicon terms, keeping original offsets."""
        start, end = pieces[0][1], pieces[-1][2]
        gap = text[start:end]
        words: List[Tuple[str, int, int]]
        if segmenter is None or nfc(gap) != gap:
            # Decomposed (NFD) input: the segmenter would not return substrings of it.
            words = list(pieces)
        else:
            words = _locate(gap, segmenter(gap), offset=start) or list(pieces)
        return [
            Span(w, s, e, " ".join(self.expand(part) for part in w.split()))
            for w, s, e in words
        ]


def _locate(text: str, words: Sequence[str], offset: int) -> Optional[List[Tuple[str, int, int]]]:
    """Find each segmented word in ``text`` in order; None if one is not a substring."""
    located = []
    cursor = 0
    for word in words:
        position = text.find(word, cursor)
        if position < 0:
            return None
        located.append((word, offset + position, offset + position + len(word)))
        cursor = position + len(word)
    return located


@lru_cache(maxsize=4)
def load_lexicon(path: str = str(DEFAULT_LEXICON_PATH)) -> Lexicon:
    """The lexicon, loaded once per process."""
    return Lexicon.from_file(Path(path))
