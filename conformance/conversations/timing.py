"""Deadlines of a conversation, from recorded times only, and durations as a reader reads them."""

from __future__ import annotations

from datetime import datetime, timedelta

from conformance.conversations.messages import Correlation, LoggedMessage
from conformance.standard.conversation import Conversation, ConversationRule

# How long after a message its receiver may still be answering it when the log ends, x the time
# scale: an error signal not sent by then is missing only if the log went on longer (or the
# receiver sent something after it). One second: the quiet time the live partner waits at the end
# of a scenario by default (--settle); a tester who shortens every deadline shortens this one too.
ANSWER_GRACE = timedelta(seconds=1)


def allowed(duration: timedelta, time_scale: float) -> timedelta:
    """The standard's `duration` as the log was recorded under (`time-scale` shortens deadlines)."""
    try:
        return duration * time_scale
    except OverflowError:  # longer than any log can last: the deadline is never reached
        return timedelta.max


def deadline(start: datetime, limit: timedelta) -> datetime | None:
    """`start` + `limit`, or None when that is past the last representable time (never reached)."""
    try:
        return start + limit
    except OverflowError:
        return None


def within_replies_to(conversation: Conversation, rule: ConversationRule) -> tuple[str, ...]:
    """The kinds of request a `within` rule times a reply from."""
    if rule.replies_to:
        return rule.replies_to
    return conversation.messages[rule.subject].replies_to if rule.subject else ()


def late_under(conversation: Conversation, rule: ConversationRule, message: LoggedMessage,
               correlation: Correlation, time_scale: float) -> tuple[LoggedMessage, timedelta] | None:
    """(its request, how long it took) when `message` came past the deadline of the `late` rule
    `rule` (its `within` rule, x the time scale); None when in time or not timed by it. The one
    test of lateness: the state machine and the `late` rule both ask it."""
    timed = conversation.rules.get(rule.deadline or "")
    request = correlation.request_of(message)
    if timed is None or timed.duration is None or request is None:
        return None
    if request.kind_id not in within_replies_to(conversation, timed):
        return None
    took = message.time - request.time
    return (request, took) if took > allowed(timed.duration, time_scale) else None


def spoken(delta: timedelta) -> tuple[str, str]:
    """`delta` as people say it, (en, zh): `7 min 12 s` / `7 分 12 秒`; sub-second to the millisecond."""
    negative = delta < timedelta(0)
    millis = abs(delta) // timedelta(milliseconds=1)
    days, rest = divmod(millis, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds = rest / 1000
    en: list[str] = []
    zh: list[str] = []
    for amount, unit_en, unit_zh in ((days, "d", "天"), (hours, "h", "小时"), (minutes, "min", "分")):
        if amount:
            en.append(f"{amount} {unit_en}")
            zh.append(f"{amount} {unit_zh}")
    if seconds or not en:
        text = f"{seconds:.3f}".rstrip("0").rstrip(".")
        en.append(f"{text} s")
        zh.append(f"{text} 秒")
    sign = "-" if negative else ""
    return sign + " ".join(en), sign + " ".join(zh)


def scale_text(time_scale: float) -> str:
    """The time scale as written in a message: `1`, `0.001`."""
    return f"{time_scale:g}"
