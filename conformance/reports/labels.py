"""The words of every text output in Chinese and English, in one table.

`conform validate` text output (`text.py`), the summary at the end of a run (`runs/summary.py`)
and the requirement reports of generated tests read their labels here, so `--lang zh` is Chinese
throughout and a label is translated once. Statements, messages and hints come from the standard
or the engine and carry their own translations; only the words around them live here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from conformance.core.findings import Finding, Level, Location, Outcome, Verdict
from conformance.core.text import Text

# Templates take their values by name (`str.format`): a value is never read as a template, so a
# payload name holding braces is printed as it is.
LABELS: dict[str, Text] = {
    # Where in a payload (Location)
    "line": Text(zh="第 {line} 行", en="line {line}"),
    "event": Text(zh="事件 {event}", en="event {event}"),
    "line-column": Text(zh="第 {line} 行第 {column} 列", en="line {line}, column {column}"),
    "pointer": Text(zh="指针 {pointer}", en="pointer {pointer}"),
    "semicolon": Text(zh="；", en="; "),
    "list-sep": Text(zh="，", en=", "),
    "colon": Text(zh="：", en=": "),
    # `conform validate` text output
    "unrecognised": Text(zh="未识别", en="unrecognised"),
    "of-class": Text(zh="，类别 {klass}", en=", class {klass}"),
    "requirement-head": Text(zh="{id} {level}（{kind}）：{statement}",
                             en="{id} {level} ({kind}): {statement}"),
    "processing-error-head": Text(zh="处理错误：", en="processing error:"),
    "finding-head": Text(zh="发现：", en="finding:"),
    "how-to-fix": Text(zh="修改建议", en="how to fix"),
    "warning": Text(zh="警告", en="warning"),
    "requirements-passed": Text(zh="{count} 项要求通过", en="{count} requirement(s) passed"),
    "payloads-total": Text(zh="共 {total} 个载荷：{parts}", en="{total} payload(s): {parts}"),
    "verdict-count": Text(zh="{label} {count}", en="{count} {label}"),
    # Requirement reports of generated tests
    "requirement-report": Text(zh="{id}（{level}）在 {total} 个载荷中有 {count} 个{verb}",
                               en="{id} ({level}) {verb} on {count} of {total} payloads"),
    "failed": Text(zh="未通过", en="failed"),
    "could not be decided": Text(zh="无法判定", en="could not be decided"),
    "more-payloads": Text(zh="……另有 {count} 个载荷（见报告）",
                          en="... and {count} more payloads (see the reports)"),
    "not-in-class": Text(zh="{id} 不是本次运行目标类别 {klass} 的要求（--conformance-class）",
                         en="{id} is not a requirement of class {klass}, the target of this run "
                            "(--conformance-class)"),
    "inapplicable-to-all": Text(zh="{id} 不适用于全部 {count} 个载荷",
                                en="{id} is inapplicable to all {count} payloads"),
    # The summary of a run
    "summary-section": Text(zh="符合性", en="conformance"),
    "processing-errors": Text(
        zh="处理错误：{count} 个载荷无法评判（其上的每项要求都无法判定，请先处理）",
        en="processing errors: {count} payload(s) could not be judged (every requirement on them "
           "is undecided: fix these first)"),
    "failing-requirements": Text(zh="未通过的要求：{count} 项", en="failing requirements: {count}"),
    "no-failing-requirements": Text(zh="没有未通过的要求", en="no requirement failed"),
    "failing-requirement": Text(zh="{id} {level}：在 {total} 个载荷中有 {count} 个未通过",
                                en="{id} {level}: failed on {count} of {total} payload(s)"),
    "more-payloads-short": Text(zh="……另有 {count} 个载荷（见报告）",
                                en="... and {count} more payload(s) (see the reports)"),
    "more-findings": Text(zh="（该载荷另有 {count} 处）", en="(and {count} more in this payload)"),
    "class-verdict": Text(zh="类别 {klass}：{verdict}（{counts}）", en="class {klass}: {verdict} ({counts})"),
    "payloads-line": Text(
        zh="载荷 {total} 个（符合 {conformant}，不符合 {not_conformant}，处理错误 {error}）；"
           "类别 {klass} 的结论：{verdict}",
        en="payloads: {total} ({conformant} conformant, {not_conformant} not conformant, "
           "{error} error); verdict for {klass}: {verdict}"),
    "reports-in": Text(zh="报告：{folder}", en="reports: {folder}"),
    # Reasons a payload could not be judged, by the source of its processing error
    "reason-parser": Text(zh="无法读取或解析", en="unparsable"),
    "reason-recognition": Text(zh="无法识别", en="unrecognised"),
    "reason-supervisor": Text(zh="超出预算", en="budget exceeded"),
    "reason-engine": Text(zh="引擎错误", en="engine error"),
    "reason-rule": Text(zh="规则执行出错", en="rule failed to run"),
    # `conform run`
    "validating": Text(zh="正在验证", en="validating"),
    "validated": Text(zh="已验证 {done}/{total} 个载荷", en="validated {done}/{total} payloads"),
    "run-verdict": Text(zh="类别 {klass} 的结论：{verdict}", en="verdict for class {klass}: {verdict}"),
    "run-reports": Text(zh="结果与报告位于 {folder}：{files}", en="results and reports in {folder}: {files}"),
    "no-certificate": Text(zh="未颁发证书：该类别未通过", en="no certificate: the class did not pass"),
    "certificate": Text(zh="证书：{path}（可打印版：{html}）", en="certificate: {path} (printable: {html})"),
    "verify-with": Text(zh="验证命令：{command}", en="verify with: {command}"),
    "interrupted": Text(zh="conform：已中断：{folder} 保持上次运行的结果",
                        en="conform: interrupted: {folder} is left as the previous run left it"),
    # `conform partner` (the tool playing the other role of a conversation, live)
    "partner-playing": Text(zh="conform：本工具扮演 {ours}（收件地址 {inbox}），"
                               "被测系统 {sut} 位于 {endpoint}",
                            en="conform: playing {ours} at {inbox} against {sut} at {endpoint}"),
    "partner-head": Text(zh="{standard} {conversation}：本工具扮演 {played}，按类别 {klass} 评判 {sut}",
                         en="{standard} {conversation}: the tool played {played}, judging {sut} against "
                            "class {klass}"),
    "partner-skipped": Text(zh="  {name}：已跳过：{reason}", en="  {name}: skipped: {reason}"),
    "partner-played": Text(zh="  {name}：{verdict}（日志 {log}）", en="  {name}: {verdict} (log {log})"),
    "partner-failure": Text(zh="    {id} {level} {outcome}{where}：{message}",
                            en="    {id} {level} {outcome}{where}: {message}"),
    "partner-event": Text(zh="（事件 {event}）", en=" (event {event})"),
    "partner-processing-error": Text(zh="    处理错误：{message}", en="    processing error: {message}"),
    "partner-stopped": Text(zh="    本场景因工具或标准包的错误中止：{message}",
                            en="    stopped by an error of the tool or the bundle: {message}"),
    "partner-verdict": Text(zh="结论：{verdict}（日志与 {summary} 位于 {folder}）",
                            en="verdict: {verdict} (logs and {summary} in {folder})"),
}

_LEVELS = {Level.MUST: Text(zh="必须", en="MUST"), Level.SHOULD: Text(zh="应当", en="SHOULD"),
           Level.MAY: Text(zh="可以", en="MAY")}
_OUTCOMES = {
    Outcome.PASSED: Text(zh="通过", en="passed"), Outcome.FAILED: Text(zh="未通过", en="failed"),
    Outcome.CANT_TELL: Text(zh="无法判定", en="cantTell"),
    Outcome.INAPPLICABLE: Text(zh="不适用", en="inapplicable"),
    Outcome.UNTESTED: Text(zh="未测试", en="untested"),
}
_VERDICTS = {Verdict.CONFORMANT: Text(zh="符合", en="conformant"),
             Verdict.NOT_CONFORMANT: Text(zh="不符合", en="not conformant"),
             Verdict.ERROR: Text(zh="处理错误", en="processing error")}
# The first word of a `validate` result line: short, and what scripts look for in English.
_MARKS = {Verdict.CONFORMANT: Text(zh="通过", en="PASS"),
          Verdict.NOT_CONFORMANT: Text(zh="不通过", en="FAIL"),
          Verdict.ERROR: Text(zh="错误", en="ERROR")}
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def label(key: str, lang: str, **values: object) -> str:
    """The label `key` in `lang` ("zh" or "en"; English for any other), with `values` filled in."""
    return LABELS[key].get(lang).format(**values)


def level_label(level: Level, lang: str) -> str:
    """MUST, SHOULD, MAY in `lang`."""
    return _LEVELS[level].get(lang)


def outcome_label(outcome: Outcome, lang: str) -> str:
    """An EARL outcome in `lang` (English keeps the EARL word)."""
    return _OUTCOMES[outcome].get(lang)


def verdict_label(verdict: Verdict, lang: str) -> str:
    """A verdict in words: "not conformant" rather than the record's "not-conformant"."""
    return _VERDICTS[verdict].get(lang)


def verdict_mark(verdict: Verdict, lang: str) -> str:
    """The first word of a result line of `conform validate`."""
    return _MARKS[verdict].get(lang)


def describe_location(location: Location | None, lang: str) -> str:
    """"line 4, column 2; /env:Envelope/env:Id" (or its Chinese); empty when nothing is known."""
    if location is None:
        return ""
    parts = [label("event", lang, event=location.event)] if location.event is not None else []
    if location.line is not None:
        parts.append(label("line-column", lang, line=location.line, column=location.column)
                     if location.column else label("line", lang, line=location.line))
    if location.xpath:
        parts.append(location.xpath)
    if location.pointer is not None:
        parts.append(label("pointer", lang, pointer=location.pointer or "/"))
    return label("semicolon", lang).join(parts)


def finding_line(finding: Finding, lang: str, statement: str | None = None, *,
                 clip: Callable[[str], str] | None = None) -> str:
    """"where: message" of a finding, `clip` shortening the message; where alone if it says `statement`."""
    where = describe_location(finding.location, lang)
    message = finding.message.get(lang)
    if where and message == statement:
        # Imported rule sets often say the same in the assertion as in the statement printed above
        # it (EN 16931: "[BR-01]-An Invoice shall..."): the location alone, not the text twice.
        return where
    if clip is not None:
        message = clip(message)
    return f"{where}{label('colon', lang)}{message}" if where else message


def verdict_counts(counts: dict[Verdict, int], lang: str) -> str:
    """"3 conformant, 1 not conformant, 0 processing error" (or its Chinese), in verdict order."""
    return label("list-sep", lang).join(label("verdict-count", lang, count=n, label=verdict_label(v, lang))
                                        for v, n in counts.items())


def english_words() -> frozenset[str]:
    """Every English word of every label: what Chinese output must not contain outside its data."""
    texts = [*LABELS.values(), *_LEVELS.values(), *_OUTCOMES.values(), *_VERDICTS.values(), *_MARKS.values()]
    return frozenset(word for text in texts
                     for word in re.findall(r"[A-Za-z]{2,}", _PLACEHOLDER.sub(" ", text.en)))
