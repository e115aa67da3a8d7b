"""Sending an approved announcement to Zalo followers, within what the Zalo OA API allows.

Rules implemented, with their sources (researched 2026-12-07; stored copies of public pages):

1. **Message type.** Since 18/04/2023 the messages an OA sends to a Zalo user id are of
   three kinds: *tư vấn* (consultation: advice on a product or service, to followers or
   not, only if the user's **last interaction was within 7 days**), *giao dịch*
   (transaction: the status of a transaction, an appointment, an invoice) and
   *truyền thông* (promotion: "thông tin chung về doanh nghiệp", general information,
   **to users who follow the OA only**). A policy announcement to everyone is general
   information, not advice asked for nor a transaction, so it is sent as *truyền thông*
   — Zalo Cloud, «Ngừng hỗ trợ ZNS Follower … tin Tư vấn, Giao dịch và Truyền thông»,
   https://zalo.cloud/blog/ykuwkganb87bra7k7w . The bot's answers stay *tư vấn*
   (``/v3.0/oa/message/cs``: they reply to a message just received).
2. **Endpoint and body.** ``POST https://openapi.zalo.me/v3.0/oa/message/promotion``,
   header ``access_token``, ``message.attachment`` of ``type: template`` with
   ``template_type: promotion`` and ``elements`` (``header`` at most 100 characters,
   ``text``; an optional ``banner``) — RedAI Zalo SDK, Promotion API v3.0,
   https://app.unpkg.com/@warriorteam/redai-zalo-sdk@1.32.17/files/docs/PROMOTION_API_V3_MIGRATION.md
3. **Who receives it.** Followers who did not block the OA and did not refuse promotion
   messages; **at most one promotion message a day per user**; sent **between 08:00 and
   22:00** (Vietnam time) — RedAI SDK ``promotion.service`` ("ĐIỀU KIỆN GỬI TIN TRUYỀN
   THÔNG"), https://app.unpkg.com/@warriorteam/redai-zalo-sdk@1.32.17/files/dist/services/promotion.service.js .
   Zalo's own error -234 says promotion messages cannot be sent at night (22:00–06:00);
   the stricter 08:00–22:00 is kept. On top of that, citizens who wrote «hủy nhận tin»
   or unfollowed are never sent anything (``bot/stores/announcements.py``).
4. **Error codes** (developers.zalo.me's table, as compiled in
   https://github.com/hoangnd25/monorepo/blob/main/wip/zalo-platform-integration.md ;
   -230 confirmed as returned in practice for the 7-day rule:
   https://github.com/khoicodedao/Poto_platform/blob/main/docs/FIX_ERROR_230.md ):
   -32 rate limit (retried with backoff by the client); -211 *out of quota* (the OA's
   quota): **sending stops and everyone not yet reached stays pending**, to be sent
   again when staff press «Gửi tiếp»; -234 night, -320/-321 Zalo Cloud Account not
   linked or out of money, -221/-223/-224/-212/-209 OA not verified, not authorised or
   without the package: stop, pending, with the reason; -218 *out of quota receive*
   (this user reached the receiving limit): this user stays pending; -213 not a
   follower, -227 banned or inactive for 45 days, -244 the user restricted this message
   type, -230/-232 outside the interaction window, -201 invalid: this user failed, with
   the reason; -216/-220 (token) are refreshed by the client. Network failures that
   outlast the client's retries stop the run and leave the rest pending.
5. **Quotas and costs.** Consultation replies are free for 8 messages within 48 h of the
   user's message (Zalo OA help centre,
   https://zalooa.freshdesk.com/support/solutions/articles/64000261136 ); promotion
   messages draw on the OA's paid quota (the exact numbers depend on the OA's package and
   are answered by Zalo through -211, not guessed here).

Every attempt is recorded (``staff/announcements.py``); the counts reached,
failed and pending are shown to staff.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from bot.stores.announcements import VIETNAM, FollowerBook, vietnam_today
from bot.channels.zalo_client import ZaloApiError
from staff.announcements import FAILED, QUEUED, SENT, AnnouncementStore

logger = logging.getLogger(__name__)

HEADER = "Thông báo từ Trợ lý Tín dụng Chính sách"
SEND_FROM_HOUR, SEND_UNTIL_HOUR = 8, 22
# Nothing more can go out now: the rest stays pending (with this reason) for a later run.
STOP = {
    -211: "Zalo báo OA đã hết hạn mức gửi tin truyền thông",
    -234: "Zalo không cho gửi tin truyền thông vào ban đêm",
    -320: "ứng dụng chưa liên kết Zalo Cloud Account",
    -321: "Zalo Cloud Account hết tiền",
    -221: "OA chưa được xác thực",
    -223: "OA chưa cấp quyền gửi tin cho ứng dụng",
    -224: "OA chưa mua gói dịch vụ",
    -212: "ứng dụng chưa đăng ký API gửi tin",
    -209: "API chưa được kích hoạt",
    -1: "không kết nối được Zalo sau nhiều lần thử",
}
# This user cannot receive more now; try again another day.
LATER = {-218: "người nhận đã nhận đủ số tin Zalo cho phép"}
# This user cannot receive it at all.
FAILED_REASONS = {
    -213: "chưa quan tâm (theo dõi) OA",
    -227: "tài khoản Zalo bị khóa hoặc không hoạt động quá 45 ngày",
    -244: "người nhận đã chặn loại tin này",
    -230: "người nhận không tương tác với OA trong 7 ngày",
    -232: "người nhận chưa tương tác với OA",
    -201: "Zalo báo tham số không hợp lệ",
}
ALREADY_TODAY = "đã nhận một thông báo hôm nay (Zalo: tối đa 1 tin truyền thông mỗi ngày)"
NIGHT = f"ngoài giờ gửi tin truyền thông ({SEND_FROM_HOUR}:00–{SEND_UNTIL_HOUR}:00)"


@dataclass
class RunResult:
    """What one run did: counts of this run, and why it stopped early ("" when it went through)."""

    sent: int = 0
    failed: int = 0
    later: int = 0
    dropped: int = 0  # opted out or unfollowed since they were queued
    stopped: str = ""
    codes: Dict[int, int] = field(default_factory=dict)


def send_window() -> Tuple[int, int]:
    """The hours promotion messages may go out: 8–22, or ``ZALO_PROMOTION_HOURS`` ("0-24" in tests and rehearsals)."""
    try:
        start, end = (int(part) for part in os.environ.get("ZALO_PROMOTION_HOURS", "").split("-"))
        if 0 <= start < end <= 24:
            return start, end
    except ValueError:
        pass
    return SEND_FROM_HOUR, SEND_UNTIL_HOUR


def sending_hours(now: Optional[datetime] = None) -> bool:
    """Whether promotion messages may go out now (08:00 to 22:00 in Vietnam)."""
    now = now or datetime.now(VIETNAM)
    start, end = send_window()
    return start <= now.astimezone(VIETNAM).hour < end


def recipients(book: FollowerBook, tracker_senders: Iterable[str] = ()) -> List[str]:
    """Zalo users to send to: those the channel or the tracker store knows, minus opted-out and unfollowed."""
    known = {f.user_id: f for f in book.all()}
    chosen: List[str] = [uid for uid, f in known.items() if f.followed and not f.opted_out]
    seen: Set[str] = set(known)
    for user_id in tracker_senders:
        if user_id and user_id not in seen:
            seen.add(user_id)
            chosen.append(user_id)
    return chosen


async def send_announcement(store: AnnouncementStore, number: int, text: str, client: Any, book: FollowerBook,
                            user: str, tracker_senders: Iterable[str] = (), day: Optional[date] = None,
                            now: Optional[datetime] = None,
                            on_progress: Optional[Callable[[], None]] = None) -> RunResult:
    """Queue the followers not queued yet, then send to everyone pending, by the rules above.

    Safe to run again: those reached are never sent twice; pending ones are tried again.
    """
    day = day or vietnam_today()
    result = RunResult()
    store.queue_recipients(number, recipients(book, tracker_senders))
    if not sending_hours(now):
        result.stopped = NIGHT
    for user_id in ([] if result.stopped else store.pending_recipients(number)):
        follower = book.get(user_id)
        if follower is not None and (follower.opted_out or not follower.followed):
            store.drop(number, user_id)
            result.dropped += 1
            continue
        if store.received_on(user_id, day):
            store.record(number, user_id, QUEUED, reason=ALREADY_TODAY)
            result.later += 1
            continue
        try:
            message_id = await client.send_promotion(user_id, HEADER, text)
        except ZaloApiError as error:
            result.codes[error.code] = result.codes.get(error.code, 0) + 1
            if error.code in STOP or error.code not in LATER and error.code not in FAILED_REASONS and error.code > -200:
                result.stopped = STOP.get(error.code, f"lỗi Zalo {error.code}")
                store.record(number, user_id, QUEUED, error.code, result.stopped)
                break
            if error.code in LATER:
                store.record(number, user_id, QUEUED, error.code, LATER[error.code])
                result.later += 1
            else:
                store.record(number, user_id, FAILED, error.code,
                             FAILED_REASONS.get(error.code, f"lỗi Zalo {error.code}"))
                result.failed += 1
            continue
        finally:
            if on_progress is not None:
                on_progress()
        store.record(number, user_id, SENT, 0, "", message_id, day)
        result.sent += 1
    counts = store.counts(number)
    store.log(number, user, "delivery", sent=result.sent, failed=result.failed, later=result.later,
              dropped=result.dropped, stopped=result.stopped, total_sent=counts.sent, total_failed=counts.failed,
              total_pending=counts.pending)
    if result.stopped:
        logger.warning("announcement %s: sending stopped (%s); %d pending", number, result.stopped, counts.pending)
    return result


__all__ = ["HEADER", "RunResult", "send_announcement", "recipients", "sending_hours", "SENT", "FAILED", "QUEUED"]
