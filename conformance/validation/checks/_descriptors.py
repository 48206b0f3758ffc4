"""Payload descriptors: a SHA-256 digest value (hex or base64) and an RFC 6838 media type.

Written as checks rather than rules because both bindings need the same definition, and XPath 1.0
can state it only through translate() tricks that cost more than the rest of the envelope's rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from conformance.core.printable import quoted
from conformance.core.text import Text
from conformance.validation.checks.check import CheckProblem, Param, builtin_check, shown_zh
from conformance.validation.checks.context import CheckContext

# XML Schema's whitespace characters: what xs:token collapses and normalize-space() strips.
_XML_SPACE_RUN = re.compile(r"[ \t\r\n]+")
_HEX = re.compile(r"[0-9A-Fa-f]*", re.ASCII)
_BASE64 = re.compile(r"[A-Za-z0-9+/]*", re.ASCII)
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]*", re.ASCII)
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
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
    """Why `text` is no SHA-256 value, judged by its shape: 64 characters are meant as hex, a
    value of the base64 alphabet (or ending in `=`) as base64."""
    if len(text) == 64 or (_HEX.fullmatch(text) and len(text) not in (43, 44)):
        yield _hex_problem(text)
    elif _BASE64.fullmatch(text.rstrip("=")) or _URL_SAFE.fullmatch(text.rstrip("=")):
        yield _base64_problem(text)
    else:
        index, bad = next(((i, c) for i, c in enumerate(text, 1)
                           if not (c.isascii() and (c.isalnum() or c in "+/="))), (1, text[:1]))
        v, vz = quoted(text, 80), shown_zh(text, 80)
        yield CheckProblem(Text(zh=f"摘要值 {vz} 的第 {index} 个字符 {shown_zh(bad)} "
                                   "既不是十六进制数字也不是 base64 字符",
                                en=f"digest {v}: character {index} ({quoted(bad)}) is "
                                   "neither a hex digit nor a base64 character"), _DIGEST_HINT)


def _hex_problem(text: str) -> CheckProblem:
    v, vz = quoted(text, 80), shown_zh(text, 80)
    first = next(((i, c) for i, c in enumerate(text, 1) if c not in _HEX_DIGITS), None)
    if first is None:
        return CheckProblem(Text(zh=f"十六进制摘要 {vz} 有 {len(text)} 位，SHA-256 应为 64 位",
                                 en=f"hex digest {v} has {len(text)} digits; SHA-256 has 64"),
                            _DIGEST_HINT)
    index, char = first
    others = sum(c not in _HEX_DIGITS for c in text[index:])
    more = f" (and {others} more)" if others else ""
    more_zh = f"（另有 {others} 处）" if others else ""
    length = "" if len(text) == 64 else f"; it has {len(text)} characters, SHA-256 has 64"
    length_zh = "" if len(text) == 64 else f"；共 {len(text)} 个字符，SHA-256 应为 64 位"
    return CheckProblem(Text(zh=f"十六进制摘要 {vz} 的第 {index} 个字符 {shown_zh(char)} "
                                f"不是十六进制数字（0-9、a-f）{more_zh}{length_zh}",
                             en=f"hex digest {v}: character {index} ({quoted(char)}) is not a "
                                f"hex digit (0-9, a-f){more}{length}"), _DIGEST_HINT)


def _base64_problem(text: str) -> CheckProblem:
    v, vz = quoted(text, 80), shown_zh(text, 80)
    if _URL_SAFE.fullmatch(text.rstrip("=")) and not _BASE64.fullmatch(text.rstrip("=")):
        char = next(c for c in text if c in "-_")
        return CheckProblem(Text(zh=f"base64 摘要 {vz} 使用了 URL 安全字母表的 {shown_zh(char)}，"
                                    "应使用标准字母表（+ 和 /）",
                                 en=f"base64 digest {v} uses {quoted(char)} of the URL-safe "
                                    "alphabet; the standard alphabet (+ and /) is needed"), _DIGEST_HINT)
    if len(text) == 43 and "=" not in text:
        return CheckProblem(Text(zh=f"base64 摘要 {vz} 有 43 个字符，缺少末尾的“=”填充（应为 44 个字符）",
                                 en=f"base64 digest {v} has 43 characters and lacks its '=' padding "
                                    "(44 characters with it)"), _DIGEST_HINT)
    if len(text) == 44 and text.endswith("=") and not text.endswith("=="):
        return CheckProblem(Text(zh=f"base64 摘要 {vz} 的第 43 个字符 {shown_zh(text[42])} "
                                    "不能作为 32 字节值的结尾",
                                 en=f"base64 digest {v}: character 43 ({quoted(text[42])}) cannot "
                                    "end a 32-byte value"), _DIGEST_HINT)
    return CheckProblem(Text(zh=f"base64 摘要 {vz} 有 {len(text)} 个字符，"
                                "不是 32 字节 SHA-256 值编码后的 44 个字符",
                             en=f"base64 digest {v} has {len(text)} characters, not the 44 "
                                "that encode the 32 bytes of a SHA-256 value"), _DIGEST_HINT)


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
        return (CheckProblem(Text(zh=f"{shown_zh(text)}不是 type/subtype 形式的媒体类型",
                                  en=f"{quoted(text)} is not a media type of the form type/subtype"),
                             _MEDIA_HINT),)
    top = found["type"]
    wanted = Text(zh="、".join(REGISTERED_TOP_LEVEL_TYPES), en=", ".join(REGISTERED_TOP_LEVEL_TYPES))
    return (CheckProblem(
        Text(zh=f"顶级类型{shown_zh(top)}不是已注册的小写顶级类型（{wanted.zh}）",
             en=f"top-level type {quoted(top)} is not a registered one in lower case ({wanted.en})"),
        _MEDIA_HINT),)


CHECKS = (sha256_digest_value, media_type)
