"""The staff app's HTML: Jinja2 templates in ``staff/templates/``, every value escaped.

The environment escapes whatever a template prints (autoescape), so FAQ text, citizen
messages and file names are always shown as text, never run as markup. The only HTML a
template prints as it is comes from another template (``Markup``: a card put into a
page, the page put into the layout). The formatting filters the templates use
(decimal comma, Vietnamese dates, shortened text) live here too.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup

from knowledge.tables import format_date

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"

__all__ = ["Markup", "render", "layout", "macro", "post_button", "url", "decimal", "clock", "when", "short"]


def url(path: str, **query: Any) -> str:
    """A local URL with a query string (escaped again when put into HTML)."""
    filled = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{path}?{urlencode(filled)}" if filled else path


def decimal(value: float, digits: int = 2) -> str:
    """A number as Vietnamese writes it (decimal comma)."""
    return f"{value:.{digits}f}".replace(".", ",")


def clock(timestamp: Optional[float]) -> str:
    return time.strftime("%H:%M:%S %d/%m/%Y", time.localtime(timestamp)) if timestamp else ""


def when(iso: str) -> str:
    """ISO time of a history record as dd/mm/yyyy hh:mm."""
    if not iso:
        return "—"
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]} {iso[11:16]}"


def short(text: str, limit: int = 160) -> str:
    """At most ``limit`` characters, cut at a word, with « …»."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.globals["url"] = url
    env.filters.update(decimal=decimal, clock=clock, when=when, short=short, vn_date=format_date,
                       day=lambda value: format_date(value) if value else "—")
    return env


def render(template: str, **values: Any) -> Markup:
    """The HTML of ``template`` (a file of staff/templates/) with ``values``, each escaped unless Markup."""
    return Markup(environment().get_template(template).render(**values))


def macro(name: str) -> Any:
    """A macro of staff/templates/_macros.html, callable from Python (returns Markup)."""
    return getattr(environment().get_template("_macros.html").module, name)


def post_button(action: str, label: str, csrf: str, css: str = "", fields: Optional[dict] = None) -> Markup:
    """A one-button form (POST with the CSRF token): how every change is made, never a link."""
    return Markup(macro("post_button")(action, label, csrf, css, fields or {}))


def layout(title: str, body: Markup, user: Optional[str] = None, csrf: str = "", status: Markup = Markup(""),
           flash: str = "", flash_kind: str = "ok") -> str:
    """A whole page; the navigation appears only for a logged-in user."""
    return render("layout.html", title=title, body=body, user=user, csrf=csrf, status=status, flash=flash,
                  flash_kind=flash_kind)


def stylesheet(name: str) -> str:
    """A stylesheet of staff/static/ (the app serves it; the content policy allows no inline styles)."""
    return (STATIC_DIR / name).read_text(encoding="utf-8")
