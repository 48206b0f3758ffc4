"""Layer 4: conversations checked offline, from a recorded exchange of many messages.

The exchange log (`log.py`, read by `logfile.read_log`, written by `logwriter.LogWriter`) is the one
record of a conversation, whether the partner recorded it live or it was imported. The checker
(`checker.py`) judges each message with the PayloadJudge of layer 3, reads the fields the
conversation exposes (`fields.py`), runs the state machine per conversation instance
(`machine.py`) and the rules about replies, timing, duplicates and rejections (`rules.py`).

Names are imported on first use: `conform validate` walks folders with `log.py` alone and pays
for the checker only when it meets a log.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ConversationChecker": "conformance.conversations.checker",
    "log_error": "conformance.conversations.checker",
    "BODIES_DIR": "conformance.conversations.log",
    "EVENTS_NAME": "conformance.conversations.log",
    "LOG_FORMAT": "conformance.conversations.log",
    "LOG_FORMAT_VERSION": "conformance.conversations.log",
    "MANIFEST_NAME": "conformance.conversations.log",
    "Direction": "conformance.conversations.log",
    "Event": "conformance.conversations.log",
    "ExchangeLog": "conformance.conversations.log",
    "LogManifest": "conformance.conversations.log",
    "NoteKind": "conformance.conversations.log",
    "Party": "conformance.conversations.log",
    "Transport": "conformance.conversations.log",
    "is_exchange_log": "conformance.conversations.logfile",
    "read_log": "conformance.conversations.logfile",
    "LogWriter": "conformance.conversations.logwriter",
}

__all__ = [
    "BODIES_DIR",
    "EVENTS_NAME",
    "LOG_FORMAT",
    "LOG_FORMAT_VERSION",
    "MANIFEST_NAME",
    "ConversationChecker",
    "Direction",
    "Event",
    "ExchangeLog",
    "LogManifest",
    "LogWriter",
    "NoteKind",
    "Party",
    "Transport",
    "is_exchange_log",
    "log_error",
    "read_log",
]

if TYPE_CHECKING:  # pragma: no cover
    from conformance.conversations.checker import ConversationChecker, log_error
    from conformance.conversations.log import (
        BODIES_DIR,
        EVENTS_NAME,
        LOG_FORMAT,
        LOG_FORMAT_VERSION,
        MANIFEST_NAME,
        Direction,
        Event,
        ExchangeLog,
        LogManifest,
        NoteKind,
        Party,
        Transport,
    )
    from conformance.conversations.logfile import is_exchange_log, read_log
    from conformance.conversations.logwriter import LogWriter


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'conformance.conversations' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
