"""Staff change a policy figure: a proposal, a second person's approval, a rollback.

A figure (``facts.poor_rate``, ``ho_ngheo.cap``…) is a history of dated values in
``<content>/facts.yml`` or ``<content>/programmes.yml`` (see ``knowledge/dated.py``).
A staff member *proposes* a new value from a date: the store appends an entry with
``state: pending`` (a figure written as one mapping first becomes a history whose first
entry is its old value). Nothing changes for citizens until *another* staff member
approves it (``state: approved``, with who and when); the proposer cannot approve their
own proposal. The newest start wins (``dated.in_force``), so the value that applied
before keeps applying until the new date and needs no end date. A rollback marks the
newest approved value ``withdrawn`` so the value before it applies again; one person
may do it, since it only goes back to a value someone already approved.

Files are changed line by line: the round-trip loader (ruamel.yaml) finds where the
figure is, only the figure's lines are rewritten (usually one appended or changed
history line), every other line stays byte for byte as it was, and the new file is
loaded back and compared with what was meant before it replaces the old one. Writes
share the content lock with FAQ saves; every action is also logged in the history
folder (``figures/<group>.<key>.jsonl``) with who, when and the figure after it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ruamel.yaml import YAML

from knowledge import dated
from knowledge.clock import today
from knowledge.corpus import load_yaml
from staff.approval import now_iso, refuse_own
from staff.files import atomic_write, content_lock
from staff.history import History
from staff.validation import FIELD_LABELS, Problem
from knowledge.tables import FIGURE_FIELDS, PLACEHOLDER_RE, TEXT_FIELDS, PolicyTables, format_date

# Keys a figure keeps for all its entries when it becomes a history; the rest is the first entry's.
SHARED_KEYS = ("unit", "note", "hedge")  # "hedge": how an unconfirmed figure is qualified
STATUSES = {"confirmed": "đã xác nhận", "unconfirmed": "chưa xác nhận"}
STATE_NAMES = {dated.APPROVED: "đã duyệt", dated.PENDING: "chờ duyệt", dated.REJECTED: "bị từ chối",
               dated.WITHDRAWN: "đã thu hồi"}
NAME_RE = re.compile(r"^[a-z0-9_]{1,80}$")
PAST_WARNING_DAYS = 365
BIG_CHANGE = 0.5  # a new value more than 50% away from the old one gets a warning (unit slip, typo)
PLAIN_KEYS = ("status", "state", "of")
_PLAIN_SCALAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"}


class FigureError(Exception):
    """A change that cannot be made (message in Vietnamese, shown to staff as it is)."""


class SelfApprovalError(FigureError):
    """The person who proposed a value tried to approve it."""


# -- reading what staff type -----------------------------------------------------------------
def _decimal_text(text: Any) -> Optional[str]:
    """A typed number in Python's notation ("6,24" → "6.24", "1.500.000" → "1500000"); None if not a number.

    A comma is the decimal mark (Vietnamese); dots alone are a decimal point when there is
    one and thousands separators when there are several; with both, dots group thousands.
    """
    raw = str(text or "").strip().rstrip("%").strip().replace("\u00a0", "").replace(" ", "")
    if not re.fullmatch(r"-?[0-9][0-9.,]*", raw) or raw.endswith((",", ".")):
        return None
    if "," in raw and "." in raw:
        raw = raw.replace(".", "").replace(",", ".")
    elif raw.count(",") == 1:
        raw = raw.replace(",", ".")
    elif raw.count(",") > 1:
        raw = raw.replace(",", "")
    elif raw.count(".") > 1:
        raw = raw.replace(".", "")
    return raw if re.fullmatch(r"-?\d+(\.\d+)?", raw) else None


def parse_number(text: Any) -> Optional[float]:
    """ "6,0", "6.0", "6,24%", "1.500.000", "100 000 000" → a number; None when it is not one."""
    raw = _decimal_text(text)
    return float(raw) if raw is not None else None


def stored_number(text: Any) -> Any:
    """The number to write: an int when typed whole ("100000000"), a float when typed with decimals ("6,0")."""
    raw = _decimal_text(text)
    if raw is None:
        return None
    return float(raw) if "." in raw else int(raw)


def parse_date(text: Any) -> Optional[date]:
    """dd/mm/yyyy (d/m/yyyy, dd-mm-yyyy) or ISO yyyy-mm-dd → a date; None when neither."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    raw = str(text or "").strip()
    try:
        match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", raw)
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return date.fromisoformat(raw)
    except ValueError:
        return None
    return None


def figure_label(tables: PolicyTables, group: str, key: str) -> str:
    """What a figure is, for people: "Cho vay hộ nghèo: lãi suất" or the fact's note."""
    if group == "facts":
        note = str(tables.facts[key].get("note") or "").strip()
        return (note[:110].rsplit(" ", 1)[0] + " …") if len(note) > 120 else (note or key)
    return f"{tables.programmes[group]['name']}: {FIELD_LABELS.get(key, key)}"


def exists(tables: PolicyTables, group: str, key: str) -> bool:
    return (group, key) in set(tables.figure_keys())


def known_placeholder(tables: PolicyTables, group: str, key: str) -> bool:
    """A placeholder a text may use: a figure, or a programme's name, where, channel…."""
    if group != "facts" and key in TEXT_FIELDS:
        return key in tables.programmes.get(group, {})
    return exists(tables, group, key)


def own_entries(raw: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The entries as written (without the figure's shared keys), as the store numbers them."""
    return history_form(raw)["history"]


def numeric(history: List[dated.DatedValue]) -> bool:
    """A figure staff change by typing a number: an approved entry has a number or a rule."""
    return any(v.approved and (_is_number(v.fields.get("value")) or v.fields.get("rule")) for v in history)


def entry_version(entry: Mapping[str, Any]) -> str:
    """Short hash of one history entry as written: what a button names, so it acts on what was shown."""
    canonical = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def rollback_target(history: List[dated.DatedValue]) -> Optional[dated.DatedValue]:
    """The newest approved value (latest start, then the later entry): what a rollback withdraws."""
    approved = [v for v in history if v.approved]
    return max(approved, key=lambda v: (v.start or date.min, v.index)) if approved else None


# -- proposals ---------------------------------------------------------------------------------
@dataclass
class Proposal:
    """A new value as typed in the form or a sheet, checked and converted."""

    group: str
    key: str
    start: date
    source: str
    status: str = "confirmed"
    value: Any = None
    text: str = ""
    end: Optional[date] = None
    note: str = ""
    extra: Dict[str, Any] = field(default_factory=dict)  # e.g. the unit a value replacing a rule keeps

    def entry(self, user: str, at: str) -> Dict[str, Any]:
        """The history entry this proposal adds (``state: pending``), in the files' key order."""
        entry: Dict[str, Any] = {"from": self.start.isoformat()}
        if self.end is not None:
            entry["to"] = self.end.isoformat()
        if self.value is not None:
            entry["value"] = self.value
        entry.update(self.extra)
        if self.text:
            entry["text"] = self.text
        entry.update(source=self.source, status=self.status, state=dated.PENDING)
        if self.note:
            entry["note"] = self.note
        entry.update(proposed_by=user, proposed_at=at)
        return entry


def form_fields(form: Mapping[str, Any]) -> Dict[str, str]:
    """The proposal fields of a submitted form or sheet row, as trimmed text."""
    return {name: " ".join(str(form.get(name) or "").split()) if name != "text" else str(form.get(name) or "").strip()
            for name in ("value", "text", "from", "to", "source", "status", "note")}


def check_proposal(tables: PolicyTables, group: str, key: str, fields: Mapping[str, str],
                   day: Optional[date] = None) -> Tuple[Optional[Proposal], List[Problem]]:
    """Validate a proposed value; the proposal is None when there is an error.

    Errors: unknown figure, no number for a numeric figure, no or unreadable date, an end
    before the start, no source, an unknown status, a sentence the bot cannot say. Warnings
    (to confirm): a start more than a year ago, a value far from the current one or equal
    to it, a rule-defined figure that stops following its base, a later approved value
    that will still win after its own date, another proposal pending for the same day.
    """
    day = day or today()
    problems: List[Problem] = []
    if not exists(tables, group, key):
        return None, [Problem("figure", f"Không có số liệu «{group}.{key}» trong bảng.")]
    history = tables.values(group, key)
    raw = tables.raw(group, key)
    value_text, text = fields.get("value", ""), fields.get("text", "").strip()
    value: Any = None
    if value_text:
        value = stored_number(value_text)
        if value is None:
            problems.append(Problem("value", f"«{value_text}» không phải là một con số. Ghi số, dấu phẩy hoặc dấu chấm "
                                             "thập phân đều được, ví dụ 6,0 hoặc 6.0."))
    elif numeric(history):
        problems.append(Problem("value", "Số liệu này là một con số: hãy nhập mức mới (ví dụ 6,0 hoặc 6.0)."))
    elif not text:
        problems.append(Problem("text", "Hãy ghi câu bot sẽ nói cho mức mới."))
    start = parse_date(fields.get("from"))
    if not fields.get("from"):
        problems.append(Problem("from", "Cần ghi ngày bắt đầu áp dụng (ngày/tháng/năm, ví dụ 01/03/2027)."))
    elif start is None:
        problems.append(Problem("from", f"Ngày áp dụng «{fields.get('from')}» không đúng dạng ngày/tháng/năm "
                                        "(ví dụ 01/03/2027)."))
    end = parse_date(fields.get("to")) if fields.get("to") else None
    if fields.get("to") and end is None:
        problems.append(Problem("to", f"Ngày kết thúc «{fields.get('to')}» không đúng dạng ngày/tháng/năm."))
    if start and end and end < start:
        problems.append(Problem("to", "Ngày kết thúc phải sau ngày bắt đầu áp dụng."))
    source = fields.get("source", "").strip()
    if not source:
        problems.append(Problem("source", "Cần ghi văn bản nguồn của mức mới (số hiệu, ngày ban hành, điều khoản)."))
    status = fields.get("status", "").strip() or "confirmed"
    if status not in STATUSES:
        problems.append(Problem("status", "Trạng thái phải là «đã xác nhận» hoặc «chưa xác nhận»."))
    for name_group, name_key, _ in PLACEHOLDER_RE.findall(text):
        if not known_placeholder(tables, name_group, name_key):
            problems.append(Problem("text", f"Câu bot nói dùng số liệu không có trong bảng: {{{{{name_group}.{name_key}}}}}."))
    if any(p.level == "error" for p in problems) or start is None:
        return None, problems

    proposal = Proposal(group, key, start, source, status, value, text, end, fields.get("note", "").strip())
    proposal.extra = _inherited_unit(tables, raw, history, proposal)
    # The sentence the new value is said in: its own text, else the one the figure's entries share.
    template = text or (str(raw.get("text") or "") if "history" in raw else "")
    if value is not None and not text and template and not re.search(r"\{(value|monthly|rate)\}", template):
        problems.append(Problem("text", f"Câu bot đang nói ghi cố định «{template}», không dùng con số mới: hãy ghi "
                                        "câu bot sẽ nói cho mức mới (có thể viết {value} để chèn con số)."))
        return None, problems
    try:
        after = tables_with(tables, group, key, proposal.entry("", ""))
        figure = after.figure(group, key, on=start)
    except (KeyError, ValueError) as error:
        return None, problems + [Problem("text", f"Câu bot nói không dùng được: {error}.")]
    if not figure.text.strip():
        return None, problems + [Problem("text", "Bot sẽ không có câu nào để nói cho mức này: hãy ghi câu bot sẽ nói.")]

    before = tables.figure(group, key, on=start)
    current = dated.in_force(history, start)
    if start < date.fromordinal(day.toordinal() - PAST_WARNING_DAYS):
        problems.append(Problem("from", f"Ngày áp dụng {format_date(start)} đã qua hơn một năm: mức này sẽ làm thay "
                                        "đổi câu trả lời về giai đoạn đã qua. Hãy kiểm tra lại ngày.", "warning"))
    if current is not None and current.fields.get("rule") and value is not None:
        rule = current.fields["rule"]
        problems.append(Problem("value", f"Mức này đang được tính bằng {rule['percent']}% của {{{{{rule['of']}}}}} và tự "
                                         f"đổi theo mức đó. Từ {format_date(start)} nó sẽ là con số cố định "
                                         f"{dated.number(value)}, không đổi theo {{{{{rule['of']}}}}} nữa. Bot sẽ nói: "
                                         f"«{figure.text}».", "warning"))
    if value is not None and before.value is not None and not before.not_yet:
        if abs(float(value) - before.value) < 1e-9:
            problems.append(Problem("value", f"Mức đề xuất bằng đúng mức đang áp dụng ngày {format_date(start)}.",
                                    "warning"))
        elif abs(float(value) - before.value) > BIG_CHANGE * abs(before.value):
            problems.append(Problem("value", f"Mức mới {dated.number(value)} khác nhiều so với mức đang áp dụng "
                                             f"{dated.number(before.value)}: hãy kiểm tra con số và đơn vị.", "warning"))
    later = [v for v in history if v.approved and v.start is not None and v.start > start]
    if later:
        first = min(later, key=lambda v: v.start)
        problems.append(Problem("from", f"Đã có mức được duyệt áp dụng từ {format_date(first.start)}: từ ngày đó mức "
                                        "kia vẫn được dùng, mức đề xuất chỉ áp dụng trước ngày đó.", "warning"))
    if any(v.state == dated.PENDING and v.start == start for v in history):
        problems.append(Problem("from", f"Đã có một đề xuất khác đang chờ duyệt cho ngày {format_date(start)}.",
                                "warning"))
    return proposal, problems


def _inherited_unit(tables: PolicyTables, raw: Mapping[str, Any], history: List[dated.DatedValue],
                    proposal: Proposal) -> Dict[str, Any]:
    """A value replacing a rule keeps the unit the rule took from its base ("%/năm": the bot says it as a rate)."""
    if proposal.value is None or proposal.text or raw.get("unit"):
        return {}
    for value in reversed(history):
        if value.fields.get("unit"):
            return {}
        rule = value.fields.get("rule")
        if rule:
            base_group, base_key = str(rule["of"]).split(".")
            unit = tables.raw(base_group, base_key).get("unit")
            return {"unit": unit} if unit else {}
    return {}


# -- the figure as plain data --------------------------------------------------------------------
def history_form(raw: Mapping[str, Any]) -> Dict[str, Any]:
    """The figure with a ``history`` list: a one-value figure becomes a history of that one value."""
    if "history" in raw:
        return copy.deepcopy(dict(raw))
    shared = {k: copy.deepcopy(v) for k, v in raw.items() if k in SHARED_KEYS}
    entry = {k: copy.deepcopy(v) for k, v in raw.items() if k not in SHARED_KEYS}
    start = entry.pop("effective", None)
    if start is not None:
        entry = {"from": start, **entry}
    return {**shared, "history": [entry]}


def tables_with(tables: PolicyTables, group: str, key: str, entry: Optional[Mapping[str, Any]] = None,
                approve: Optional[int] = None, withdraw: Optional[int] = None,
                clock: Optional[Callable[[], date]] = None) -> PolicyTables:
    """A copy of the tables with ``entry`` added as approved, entry ``approve`` treated as approved,
    or entry ``withdraw`` as withdrawn: what the preview reads, the tables as they will be."""
    facts = copy.deepcopy(tables.facts)
    programmes = copy.deepcopy(tables.programmes)
    holder = facts if group == "facts" else programmes[group]
    figure = history_form(holder[key])
    if entry is not None:
        figure["history"].append({**entry, "state": dated.APPROVED})
    if approve is not None:
        figure["history"][approve]["state"] = dated.APPROVED
    if withdraw is not None:
        figure["history"][withdraw]["state"] = dated.WITHDRAWN
    holder[key] = figure
    return PolicyTables(facts, list(programmes.values()), clock=clock or tables.clock)


# -- the store ---------------------------------------------------------------------------------
class FigureStore:
    """The figures of one content folder: read, propose, approve, reject, roll back."""

    def __init__(self, content_dir: Path, history: History):
        self.directory = content_dir
        self.history = history
        self.lock_path = history.directory / ".content.lock"

    def tables(self) -> PolicyTables:
        """The tables as saved now (pending entries included, never in force)."""
        return PolicyTables.load(self.directory)

    def propose(self, proposal: Proposal, user: str) -> int:
        """Add a pending entry; returns its position in the figure's history."""
        return self.propose_many([proposal], user)[0]

    def propose_many(self, proposals: List[Proposal], user: str) -> List[int]:
        """Add several pending entries in one turn of the lock (a sheet import)."""
        positions = []
        with content_lock(self.lock_path):
            for proposal in proposals:
                def change(figure: Dict[str, Any], tables: PolicyTables, proposal: Proposal = proposal) -> str:
                    raw = tables.raw(proposal.group, proposal.key)
                    proposal.extra = _inherited_unit(tables, raw, tables.values(proposal.group, proposal.key), proposal)
                    figure["history"].append(proposal.entry(user, now_iso()))
                    return f"đề xuất #{len(figure['history'])}: từ {format_date(proposal.start)}"

                figure = self._apply(proposal.group, proposal.key, user, "propose", change)
                positions.append(len(figure["history"]) - 1)
        return positions

    def approve(self, group: str, key: str, index: int, version: str, user: str) -> None:
        """Put a pending entry in force from its date; refused to the person who proposed it."""
        def change(figure: Dict[str, Any], tables: PolicyTables) -> str:
            entry = self._pending(figure, index, version)
            refuse_own(str(entry.get("proposed_by") or ""), user, SelfApprovalError, "đề xuất mức này")
            entry.update(state=dated.APPROVED, approved_by=user, approved_at=now_iso())
            return f"duyệt #{index + 1}"

        self._change(group, key, user, "approve", change)

    def reject(self, group: str, key: str, index: int, version: str, user: str) -> str:
        """Refuse a pending entry (another person), or take back one's own proposal; returns the new state."""
        def change(figure: Dict[str, Any], tables: PolicyTables) -> str:
            entry = self._pending(figure, index, version)
            if str(entry.get("proposed_by") or "") == user:
                entry.update(state=dated.WITHDRAWN, withdrawn_by=user, withdrawn_at=now_iso())
                return f"rút đề xuất #{index + 1}"
            entry.update(state=dated.REJECTED, rejected_by=user, rejected_at=now_iso())
            return f"từ chối #{index + 1}"

        figure = self._change(group, key, user, "reject", change)
        return str(figure["history"][index]["state"])

    def rollback(self, group: str, key: str, index: int, version: str, user: str) -> None:
        """Withdraw the newest approved value so the one before it applies again.

        Refused when it is no longer the newest, or when no value would apply for some day
        it covered (a figure never goes silent by a rollback).
        """
        def change(figure: Dict[str, Any], tables: PolicyTables) -> str:
            values = dated.values(figure)
            target = rollback_target(values)
            if target is None or target.index != index or entry_version(figure["history"][index]) != version:
                raise FigureError("Mức mới nhất của số liệu này vừa thay đổi. Hãy tải lại trang rồi thử lại.")
            trial = copy.deepcopy(figure)
            trial["history"][index]["state"] = dated.WITHDRAWN
            gap = rollback_gap(dated.values(trial), target)
            if gap is not None:
                raise FigureError(rollback_refusal(gap))
            figure["history"][index].update(state=dated.WITHDRAWN, withdrawn_by=user, withdrawn_at=now_iso())
            return f"hoàn tác #{index + 1}"

        self._change(group, key, user, "rollback", change)

    @staticmethod
    def _pending(figure: Dict[str, Any], index: int, version: str) -> Dict[str, Any]:
        entries = figure["history"]
        if not 0 <= index < len(entries) or entry_version(entries[index]) != version:
            raise FigureError("Đề xuất này vừa thay đổi. Hãy tải lại trang rồi thử lại.")
        entry = entries[index]
        state = dated.state_of(entry)
        if state != dated.PENDING:
            raise FigureError(f"Đề xuất này không còn chờ duyệt (hiện: {STATE_NAMES.get(state, state)}).")
        return entry

    def _change(self, group: str, key: str, user: str, action: str,
                change: Callable[[Dict[str, Any], PolicyTables], str]) -> Dict[str, Any]:
        """Read, change and write one figure under the content lock; log it in the history."""
        with content_lock(self.lock_path):
            return self._apply(group, key, user, action, change)

    def _apply(self, group: str, key: str, user: str, action: str,
               change: Callable[[Dict[str, Any], PolicyTables], str]) -> Dict[str, Any]:
        """``_change`` for a caller holding the lock."""
        if not (NAME_RE.match(group) and NAME_RE.match(key)):
            raise FigureError("Không có số liệu này.")
        path = self.directory / ("facts.yml" if group == "facts" else "programmes.yml")
        tables = self.tables()
        if not exists(tables, group, key):
            raise FigureError(f"Không có số liệu «{group}.{key}» trong bảng.")
        before = copy.deepcopy(dict(tables.raw(group, key)))
        figure = history_form(before)
        note = change(figure, tables)
        text = path.read_text(encoding="utf-8")
        atomic_write(path, rewrite_figure(text, group, key, figure))
        self.history.record("figures", f"{group}.{key}", before, figure, user, action, note)
        return figure


def rollback_gap(history: List[dated.DatedValue], target: dated.DatedValue) -> Optional[date]:
    """The first day in ``target``'s period on which no approved value of ``history`` applies."""
    first = target.start or date(1900, 1, 1)
    days = [first] + [d for d in dated.change_days(history) if d > first]
    for day in days:
        if target.end is not None and day > target.end:
            break
        if dated.in_force(history, day) is None:
            return day
    return None


def rollback_refusal(gap: date) -> str:
    """Why a rollback is refused, for staff."""
    if gap <= date(1900, 1, 1):
        return ("Không hoàn tác được: đây là mức duy nhất từng áp dụng của số liệu này. Muốn đổi, hãy đề xuất một mức "
                "mới (cần người thứ hai duyệt).")
    return (f"Không hoàn tác được: bỏ mức này thì từ ngày {format_date(gap)} không còn mức nào áp dụng. Muốn đổi, "
            "hãy đề xuất một mức mới (cần người thứ hai duyệt).")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- writing YAML, one figure at a time ----------------------------------------------------------
def scalar(value: Any, key: Any = None) -> str:
    """One value in the files' flow style: numbers and the words of ``status``/``state``/``of``
    plain, every other text double-quoted (as the hand-written files do)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)}: {scalar(v, k)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    if key in PLAIN_KEYS and _PLAIN_SCALAR.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    text = str(key)
    return text if _PLAIN_SCALAR.match(text) and text.lower() not in _YAML_WORDS else json.dumps(text, ensure_ascii=False)


def _locate(text: str, group: str, key: str) -> Tuple[int, int, Any]:
    """(line, column) of the figure's key in the file, and the figure's round-trip node."""
    document = YAML().load(text)
    if group == "facts":
        holder = document["facts"]
    else:
        holder = next(p for p in document["programmes"] if str(p.get("id")) == group)
    line, column = holder.lc.key(key)
    return line, column, holder[key]


def _block_end(lines: List[str], line: int, column: int) -> int:
    """The last line of the value that starts at ``line`` (deeper-indented lines; not trailing comments)."""
    end = line
    for number in range(line + 1, len(lines)):
        stripped = lines[number].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(lines[number]) - len(lines[number].lstrip(" ")) > column:
            end = number
            continue
        break
    return end


def _figure_block(key: str, figure: Mapping[str, Any], column: int) -> List[str]:
    """The figure as block YAML: shared keys, then ``history:`` with one flow line per entry."""
    pad = " " * column
    lines = [f"{pad}{key}:"]
    for name, value in figure.items():
        if name != "history":
            lines.append(f"{pad}  {_key(name)}: {scalar(value, name)}")
    lines.append(f"{pad}  history:")
    lines.extend(f"{pad}    - {scalar(entry)}" for entry in figure["history"])
    return lines


def _entry_edits(lines: List[str], node: Any, old: Mapping[str, Any], new: Mapping[str, Any]) -> Optional[List[str]]:
    """Only the history lines that changed, when the figure is already a block history of one-line entries."""
    history = node.get("history") if hasattr(node, "get") else None
    if (history is None or node.fa.flow_style() or history.fa.flow_style()
            or {k: v for k, v in old.items() if k != "history"} != {k: v for k, v in new.items() if k != "history"}
            or len(new["history"]) < len(old["history"]) or not old["history"]):
        return None
    item_lines = [history.lc.item(i)[0] for i in range(len(old["history"]))]
    if len(set(item_lines)) != len(item_lines):
        return None
    edited = list(lines)
    indent = lines[item_lines[0]][: len(lines[item_lines[0]]) - len(lines[item_lines[0]].lstrip(" "))]
    for position, (before, after) in enumerate(zip(old["history"], new["history"])):
        if before != after:
            edited[item_lines[position]] = f"{indent}- {scalar(after)}"
    added = [f"{indent}- {scalar(entry)}" for entry in new["history"][len(old["history"]):]]
    last = item_lines[-1]
    return edited[: last + 1] + added + edited[last + 1:]


def rewrite_figure(text: str, group: str, key: str, figure: Mapping[str, Any]) -> str:
    """The file's text with one figure replaced by ``figure``; every other line unchanged.

    Raises FigureError (writing nothing) if the result would not load back as meant.
    """
    document = load_yaml(text)
    expected = copy.deepcopy(document)
    if group == "facts":
        old = document["facts"][key]
        expected["facts"][key] = figure
    else:
        old = next(p for p in document["programmes"] if p["id"] == group)[key]
        next(p for p in expected["programmes"] if p["id"] == group)[key] = figure
    line, column, node = _locate(text, group, key)
    lines = text.split("\n")
    attempts = []
    fine = _entry_edits(lines, node, old, figure)
    if fine is not None:
        attempts.append(fine)
    end = _block_end(lines, line, column)
    attempts.append(lines[:line] + _figure_block(key, figure, column) + lines[end + 1:])
    for attempt in attempts:
        result = "\n".join(attempt)
        try:
            if load_yaml(result) == expected:
                return result
        except Exception:  # a malformed attempt: try the next way, then refuse
            continue
    raise FigureError("Không ghi được số liệu vào tệp mà vẫn giữ nguyên các dòng khác; chưa lưu gì. Hãy báo cán bộ "
                      "kỹ thuật.")


def figure_fields(tables: PolicyTables) -> List[Tuple[str, str]]:
    """Every figure staff may change, programmes' fields in table order."""
    return [(g, k) for g, k in tables.figure_keys() if g == "facts" or k in FIGURE_FIELDS]
