"""Deadlines of a conversation, from recorded times only, and durations as a reader reads them."""

from __future__ import annotations

from datetime import timedelta


def allowed(duration: timedelta, time_scale: float) -> timedelta:
    """The standard's `duration` as the log was recorded under (`time-scale` shortens deadlines)."""
    return duration * time_scale


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
