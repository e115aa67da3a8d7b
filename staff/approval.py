"""The second-person rule shared by the staff app's approvals (policy figures, announcements).

Whatever changes what citizens are told is written by one account and approved by
another: the author cannot approve their own text, only withdraw it. One place says so
(the refusal, the buttons a card shows, the time stamp written with each decision) so
the figure pages and the announcement pages behave and read the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, Optional

from knowledge.clock import VIETNAM
from staff.html import Markup, render


def now_iso() -> str:
    """The time a decision is recorded, Vietnam time, to the second."""
    return datetime.now(VIETNAM).isoformat(timespec="seconds")


def refuse_own(author: str, user: str, error: type, what: str, check: str = "kiểm tra văn bản nguồn và duyệt") -> None:
    """Raise ``error`` when ``user`` wrote what they try to approve (``what``: "đề xuất mức này")."""
    if author and author == user:
        raise error(f"Anh/chị là người {what} nên không thể tự duyệt. Cần một cán bộ khác {check}.")


def decision_buttons(base: str, author: str, user: str, csrf: str, fields: Optional[Mapping[str, Any]] = None,
                     check: str = "kiểm tra văn bản nguồn và duyệt") -> Markup:
    """Approve/reject for another account; for the author, why not and a button to withdraw."""
    return render("decision_buttons.html", base=base, author=author, user=user, csrf=csrf, fields=dict(fields or {}),
                  check=check)
