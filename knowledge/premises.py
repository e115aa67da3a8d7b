"""A figure the citizen heard and asks the bot to confirm, checked against the answer.

"Tôi nghe nói cơ sở … được vay với lãi suất chỉ bằng 50% …, có phải không?" was answered
"Có. … bằng lãi suất cho vay hộ nghèo: 6,24%/năm": the yes read as confirming a figure the
answer itself contradicts. When a sentence of the message asks to confirm something heard
(cues in ``content/settings/premises.yml``) and states a policy rate or amount that the
answer, which states figures of the same kind, does not state, the reply must first say
that the figure heard is not the one in force (and that it is an old one, when it is).

Input: the message, the composed answer text, the policy tables.
Output: the figures heard that the answer does not bear out, or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Pattern, Tuple

import yaml

from knowledge.clock import today
from knowledge.figure_audit import superseded_forms
from knowledge.loan_calculator import money_amounts
from knowledge.paths import settings_file
from knowledge.tables import PolicyTables
from vntext.normalise import fold

SETTINGS_PATH = settings_file("premises.yml")
RATE_TOPIC, AMOUNT_TOPIC = "rates", "limits_terms"
POLICY_AMOUNT_MIN = 1_000_000  # smaller sums are fees and instalments, not a loan ceiling
_PERCENT_RE = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)?)\s*(?:%|phan tram)")
_SENTENCE_RE = re.compile(r"[^.?!\n]+[.?!\n]*")
_LEADING_YES_RE = re.compile(r"^Có[.,]\s*")


@lru_cache(maxsize=4)
def _settings(path: Path = SETTINGS_PATH) -> Tuple[Tuple[Pattern[str], ...], ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(tuple(re.compile(c) for c in raw[name]) for name in ("claim_cues", "policy_words", "past_words"))


@dataclass(frozen=True)
class Premise:
    """Figures heard that the answer does not bear out, as the citizen wrote them."""

    heard: Tuple[str, ...]
    old: Tuple[str, ...]  # those of them that were a rate or line in force before
    amounts: bool = False  # the figures heard are amounts (a loan ceiling), not rates

    def sentence(self, yes: bool) -> str:
        """The sentence that opens the reply; ``yes`` when it takes the place of the answer's "Có."."""
        named = ", ".join(f"«{h}»" for h in self.heard)
        old = [h for h in self.heard if h in self.old]
        if old:
            what = f"{', '.join(f'«{h}»' for h in old)} là mức cũ, không còn áp dụng"
            if len(old) < len(self.heard):
                what += f"; {', '.join(f'«{h}»' for h in self.heard if h not in old)} không khớp với mức hiện hành"
        elif self.amounts:  # a province may lend more from its own budget: not "wrong", only not the general one
            what = (f"con số {named} anh/chị nghe không phải mức chung hiện hành theo các văn bản tôi có; "
                    "mức riêng của địa phương (nếu có) anh/chị hỏi Phòng giao dịch NHCSXH phụ trách xã/phường")
        else:
            what = f"con số {named} anh/chị nghe không khớp với mức hiện hành theo các văn bản tôi có"
        if yes and len(old) < len(self.heard):
            return f"Có, nhưng {what}."
        return f"{what[:1].upper()}{what[1:]}."


def _percents(folded: str) -> List[Tuple[float, str]]:
    return [(_value(m.group(1)), m.group(0)) for m in _PERCENT_RE.finditer(folded)]


def _amounts(folded: str) -> List[float]:
    return [value for value, _, _ in money_amounts(folded) if value >= POLICY_AMOUNT_MIN]


def _claim_sentences(message: str) -> List[str]:
    """Sentences that ask to confirm something heard; a bare "Có đúng không?" takes the one before."""
    cues, policy, past = _settings()
    sentences = [fold(s).strip() for s in _SENTENCE_RE.findall(message) if s.strip()]
    found = []
    for i, sentence in enumerate(sentences):
        if not any(c.search(sentence) for c in cues):
            continue
        claim = sentence
        if not _PERCENT_RE.search(sentence) and not _amounts(sentence) and i > 0:
            claim = f"{sentences[i - 1]} {sentence}"
        if any(p.search(claim) for p in policy) and not any(p.search(claim) for p in past):
            found.append(claim)
    return found


def _same_rate(heard: float, stated: List[float]) -> bool:
    """A rate heard per month or per year matches the answer's either way (0,52%/tháng = 6,24%/năm)."""
    return any(abs(heard - s) < 0.005 or abs(heard * 12 - s) < 0.01 or abs(heard - s * 12) < 0.01 for s in stated)


def premise_at_odds(message: str, answer_text: str, tables: PolicyTables, topic: str) -> Optional[Premise]:
    """The figures heard in a request for confirmation that the answer states otherwise: rates
    against an answer about rates, amounts against one about loan ceilings (``topic``, the
    answer's FAQ topic); an old rate against any answer."""
    claims = _claim_sentences(message)
    if not claims:
        return None
    answer = fold(answer_text)
    stated_rates = [value for value, _ in _percents(answer)] if topic == RATE_TOPIC else []
    stated_amounts = _amounts(answer) if topic == AMOUNT_TOPIC else []
    superseded = {_value(fold(form).split("%")[0]) for form in superseded_forms(tables, today()) if "%" in form}
    heard: List[str] = []
    old: List[str] = []
    rates_heard = False
    for claim in claims:
        for value, text in _percents(claim):
            # an old rate is never today's, even where the answer recalls it as history
            if value in superseded or stated_rates and not _same_rate(value, stated_rates):
                heard.append(_as_written(text, message))
                rates_heard = True
                if value in superseded:
                    old.append(heard[-1])
        if stated_amounts:
            for value, start, end in money_amounts(claim):
                if value >= POLICY_AMOUNT_MIN and value not in stated_amounts:
                    heard.append(_as_written(claim[start:end].strip(), message))
    if not heard:
        return None
    return Premise(tuple(dict.fromkeys(heard)), tuple(dict.fromkeys(old)), amounts=not rates_heard)


def _value(number: str) -> float:
    return float(number.strip().replace(",", "."))


def _as_written(folded_figure: str, message: str) -> str:
    """The figure as the citizen wrote it (with diacritics), found by its folded form."""
    folded_message = fold(message)
    at = folded_message.find(folded_figure)
    return message[at:at + len(folded_figure)].strip() if at >= 0 and len(folded_message) == len(message) else folded_figure


def with_premise_checked(message: str, answer_text: str, tables: PolicyTables, topic: str) -> Optional[str]:
    """The answer opened by the correction of a figure heard, or None when none is needed."""
    premise = premise_at_odds(message, answer_text, tables, topic)
    if premise is None:
        return None
    match = _LEADING_YES_RE.match(answer_text)
    if match is None:
        return f"{premise.sentence(yes=False)} {answer_text}"
    if len(premise.old) == len(premise.heard):  # only old rates heard: a bare "Có." would confirm them
        rest = answer_text[match.end():] if match.group(0).startswith("Có.") else answer_text
        return f"{premise.sentence(yes=False)} {rest}"
    rest = answer_text[match.end():]
    return f"{premise.sentence(yes=True)} {rest[:1].upper()}{rest[1:]}"
