"""Local details of the deploying province (content/settings/province.yml).

Another province deploys the bot by editing that one file. A value is told to
citizens only when it is filled in and marked verified; otherwise the bot points to
the Tổ tiết kiệm và vay vốn and the Điểm giao dịch xã, which exist everywhere.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from knowledge.paths import SETTINGS_DIR

PROVINCE_PATH = SETTINGS_DIR / "province.yml"

CONTACT_INTRO = (
    "Để được cán bộ hướng dẫn trực tiếp, anh/chị có thể: (1) gặp Tổ trưởng Tổ tiết kiệm và vay vốn ở thôn, xóm; "
    "(2) đến Điểm giao dịch xã của Ngân hàng Chính sách xã hội; hoặc (3) đến Phòng giao dịch Ngân hàng Chính sách "
    "xã hội gần nhất. Anh/chị cũng có thể hỏi tiếp tôi ở đây."
)
# (section, key, how the line starts)
LOCAL_CONTACTS = [
    ("transaction_points", "schedule_description", "Lịch giao dịch"),
    ("vbsp_branch", "name", "Chi nhánh"),
    ("vbsp_branch", "address", "Địa chỉ chi nhánh"),
    ("vbsp_branch", "hotline", "Đường dây nóng"),
    ("vbsp_branch", "website", "Trang thông tin"),
]


# path -> (the file's stamp when read, its settings). Parsing the YAML took ~1 ms, 5 % of the
# action server's time at 10 users (every "gặp cán bộ" answer read it); a staff edit
# changes the stamp, so the next answer reads the new file (issue 18).
_read: Dict[Path, Tuple[Tuple[int, int, int], Dict[str, Any]]] = {}


def load(path: Path = PROVINCE_PATH) -> Dict[str, Any]:
    """The settings (a copy the caller may change), read again only when the file changed."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    known = _read.get(path)
    if known is None or known[0] != stamp:
        known = (stamp, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        _read[path] = known
    return copy.deepcopy(known[1])


def verified_value(settings: Dict[str, Any], section: str, key: str) -> Optional[str]:
    """The value if it is filled in and verified, else None."""
    item = (settings.get(section) or {}).get(key) or {}
    value = item.get("value")
    if item.get("verified") is True and isinstance(value, str) and value.strip():
        return value.strip()
    return None


def contact_message(settings: Optional[Dict[str, Any]] = None) -> str:
    """Where a citizen meets a person, with the verified local details."""
    settings = load() if settings is None else settings
    lines: List[str] = [CONTACT_INTRO]
    for section, key, label in LOCAL_CONTACTS:
        value = verified_value(settings, section, key)
        if value:
            lines.append(f"- {label}: {value}")
    return "\n".join(lines)
