"""Vietnamese text helpers shared by the Rasa pipeline and the action server.

Citizens type with and without diacritics, in NFC or decomposed (NFD) Unicode, with
Zalo abbreviations. Every matcher in the project compares text in one *folded* space
(NFC, lower case, no tone or vowel marks, "đ" → "d") so that "Hộ nghèo", "ho ngheo"
and "HỘ NGHÈO" are the same key. This module has no Rasa or torch dependency so both
environments can import it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator, List, Tuple

# A "piece" is a run of letters/digits (combining marks included, so NFD text stays
# whole) optionally joined by "&" (TK&VV), "/" or "-" inside codes (01/TD, 39-CT/TW)
# or "." / "," between digits (100.000, 6,6), or one punctuation character.
_LETTERS = r"(?:[^\W_]|[\u0300-\u036f])+"
_PIECE_RE = re.compile(
    rf"{_LETTERS}(?:(?:[&/\-]|(?<=\d)[.,](?=\d)){_LETTERS})*|[^\w\s]",
    re.UNICODE,
)

_VIETNAMESE_MARKS_RE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]"
)


def nfc(text: str) -> str:
    """Compose decomposed (NFD / Windows-1258 style) spellings into NFC."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case and strip all Vietnamese diacritics ("Đường" → "duong")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "d")


def has_diacritics(text: str) -> bool:
    """True when the text carries at least one Vietnamese-specific letter or mark."""
    return bool(_VIETNAMESE_MARKS_RE.search(nfc(text).lower()))


def iter_pieces(text: str) -> Iterator[Tuple[str, int, int]]:
    """Yield (piece, start, end) for words and punctuation, offsets in ``text``."""
    for match in _PIECE_RE.finditer(text):
        yield match.group(0), match.start(), match.end()


def folded_words(text: str) -> List[str]:
    """Folded word pieces of a text, punctuation dropped (for lexical matching)."""
    return [fold(p) for p, _, _ in iter_pieces(nfc(text)) if p[0].isalnum() or len(p) > 1]


def phrase_key(text: str) -> str:
    """Folded, lower-case words only, the key exact phrases are compared by:
    «Xoá hết tin nhắn của tôi!» → «xoa het tin nhan cua toi»."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(text or ""), flags=re.UNICODE).replace("_", " ").split())
