"""Values our built-in checks accept, for the fields a skeleton must fill (first choice there)."""

from __future__ import annotations

from collections.abc import Mapping

from conformance.standard.model import Standard

from ._fields import bound_code_list, builtin_checks, field_path

# Valid for every parameter our checks take (a version 4 UUID, a code with correct check characters).
CHECK_SAMPLES: Mapping[str, str] = {
    "uuid": "3f2b8c1e-9d4a-4f6b-8e21-5c7d9a0b1e2f",
    "timestamp": "2026-01-01T09:00:00+08:00",
    "unified-social-credit-code": "11110101000001302Q",
    "citizen-id": "11010519491231002X",
    "media-type": "application/xml",
    "sha256-digest-value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
}


def sample_hints(standard: Standard, message_type_id: str) -> dict[str, str]:
    """Field path -> a value the checks on that field accept: a code of its list, or a check's sample."""
    message_type = standard.message_types[message_type_id]
    hints: dict[str, str] = {}
    for _, check in builtin_checks(standard, message_type):
        path = field_path(check.target or "", message_type)
        if path is None or path in hints:
            continue
        code_list = bound_code_list(standard, check)
        if code_list is not None and code_list.codes:
            hints[path] = min(code_list.codes)
        elif check.name is not None and check.name in CHECK_SAMPLES:
            hints[path] = CHECK_SAMPLES[check.name]
    return hints
