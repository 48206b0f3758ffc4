"""Payload descriptors: a SHA-256 digest value (hex or base64) and an RFC 6838 media type.

Written as checks rather than rules because both bindings need the same definition, and XPath 1.0
can state it only through translate() tricks that cost more than the rest of the envelope's rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from conformance.core.text import Text
from conformance.validation.checks.check import CheckProblem, Param, builtin_check
from conformance.validation.checks.context import CheckContext

# XML Schema's whitespace characters: what xs:token collapses and normalize-space() strips.
_XML_SPACE_RUN = re.compile(r"[ \t\r\n]+")
_HEX = re.compile(r"[0-9A-Fa-f]*", re.ASCII)
_BASE64 = re.compile(r"[A-Za-z0-9+/]*", re.ASCII)
# The last base64 character before '=' carries 4 bits of the 32nd byte and 2 zero bits.
_LAST_OF_32_BYTES = frozenset("AEIMQUYcgkosw048")
_WHITESPACE = Param("whitespace", "preserve: the value as given (JSON); collapse: XML xs:token "
                    "rules, leading and trailing spaces dropped and inner runs made one space",
                    default="preserve", choices=("preserve", "collapse"))


def _collapse(value: str) -> str:
    return _XML_SPACE_RUN.sub(" ", value).strip(" ")


_DIGEST_HINT = Text(zh="对部件的字节计算 SHA-256，写成 64 位十六进制，或 base64（44 个字符，末尾一个 =）",
                    en="compute SHA-256 over the bytes and write 64 hex digits, or base64 "
                       "(44 characters ending in one =)")


@builtin_check(
    "sha256-digest-value",
    title=Text(zh="SHA-256 摘要值（十六进制或 base64）", en="SHA-256 digest value (hex or base64)"),
    params=(_WHITESPACE,),
)
def sha256_digest_value(value: str, params: Mapping[str, object],
                        context: CheckContext) -> tuple[CheckProblem, ...]:
    """A SHA-256 value: 64 hexadecimal digits (either case), or the 32 bytes in base64 (RFC 4648
    §4): 43 characters of the standard alphabet, the last of them with its two low bits zero, and
    one `=` of padding. URL-safe base64 and missing padding are refused.
    """
    text = value if params.get("whitespace") != "collapse" else _collapse(value)
    if len(text) == 64 and _HEX.fullmatch(text):
        return ()
    if len(text) == 44 and text[43] == "=" and _BASE64.fullmatch(text, 0, 43) \
            and text[42] in _LAST_OF_32_BYTES:
        return ()
    return tuple(_digest_problems(text))


def _digest_problems(text: str) -> Iterator[CheckProblem]:
    if _HEX.fullmatch(text):
        yield CheckProblem(Text(zh=f"十六进制摘要有 {len(text)} 位，SHA-256 应为 64 位",
                                en=f"hex digest has {len(text)} digits; SHA-256 has 64"), _DIGEST_HINT)
    elif _BASE64.fullmatch(text.rstrip("=")) and "=" not in text.rstrip("="):
        yield CheckProblem(Text(zh=f"base64 摘要有 {len(text)} 个字符，"
                                   "不是 32 字节 SHA-256 值编码后的 44 个字符",
                                en=f"base64 digest has {len(text)} characters, not the 44 that encode "
                                   "the 32 bytes of a SHA-256 value"), _DIGEST_HINT)
    else:
        bad = next((c for c in text if not (c.isascii() and (c.isalnum() or c in "+/="))), text[:1])
        yield CheckProblem(Text(zh=f"摘要值含有十六进制和 base64 都不用的字符“{bad}”",
                                en=f"digest contains {bad!r}, which neither hex nor base64 uses"),
                           _DIGEST_HINT)


# RFC 6838 §4.2: the top-level types registered with IANA, and restricted-name characters.
REGISTERED_TOP_LEVEL_TYPES = ("application", "audio", "font", "haptics", "image", "message", "model",
                              "multipart", "text", "video")
_MEDIA_TYPE = re.compile(
    r"(?P<type>[^/;]*)/(?P<subtype>[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})(?:[ \t]*;[\s\S]*)?", re.ASCII)
_MEDIA_HINT = Text(zh="写作 type/subtype，可带参数，例如 application/pdf、text/csv;charset=utf-8",
                   en="write type/subtype, optionally with parameters, e.g. application/pdf or "
                      "text/csv;charset=utf-8")


@builtin_check(
    "media-type",
    title=Text(zh="媒体类型（RFC 6838）", en="Media type (RFC 6838)"),
    params=(_WHITESPACE,),
)
def media_type(value: str, params: Mapping[str, object], context: CheckContext) -> tuple[CheckProblem, ...]:
    """`type/subtype` with optional `;parameters` (RFC 6838 §4.2, RFC 9110 §8.3.1): the type one
    of the registered top-level types in lower case, the subtype a restricted-name (1-127
    characters, the first alphanumeric). Parameters are not checked.
    """
    text = value if params.get("whitespace") != "collapse" else _collapse(value)
    found = _MEDIA_TYPE.fullmatch(text)
    if found is not None and found["type"] in REGISTERED_TOP_LEVEL_TYPES:
        return ()
    if found is None:
        return (CheckProblem(Text(zh=f"“{text}”不是 type/subtype 形式的媒体类型",
                                  en=f"{text!r} is not a media type of the form type/subtype"), _MEDIA_HINT),)
    top = found["type"]
    wanted = Text(zh="、".join(REGISTERED_TOP_LEVEL_TYPES), en=", ".join(REGISTERED_TOP_LEVEL_TYPES))
    return (CheckProblem(
        Text(zh=f"顶级类型“{top}”不是已注册的小写顶级类型（{wanted.zh}）",
             en=f"top-level type {top!r} is not a registered one in lower case ({wanted.en})"), _MEDIA_HINT),)


CHECKS = (sha256_digest_value, media_type)
