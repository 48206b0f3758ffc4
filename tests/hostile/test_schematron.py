"""Hostile Schematron rule sets: each case runs in a child under a time and memory bound.

A rule set is third-party data. Before the fixes these leaked the environment into findings
(`SECRET_TOKEN=hunter2` in every report), recursed until Python gave up (an include cycle through
a fragment), took exponential time (an include bomb), or ran for ever (a tail-recursive Saxon
function). The bound is part of each assertion; each child prints what the engine decided.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.hostile.bounded import assert_no_traceback, python

pytestmark = pytest.mark.hostile

SCH = "http://purl.oclc.org/dsdl/schematron"
SECRET = {"SECRET_TOKEN": "hunter2"}

_PRELUDE = """
import sys
from pathlib import Path
from lxml import etree
from conformance.core.errors import RuleError, SpecError
from conformance.validation.schematron import compile_schematron
def attempt(path, payload="<doc><a>1</a></doc>", **options):
    try:
        compiled = compile_schematron(Path(path), **options)
        report = compiled.validate(etree.fromstring(payload).getroottree(), name="payload.xml")
    except SpecError as exc:
        print("SpecError", exc.location, "|", exc.message[:300])
    except RuleError as exc:
        print("RuleError", exc.location, "|", exc.message[:300])
    else:
        print("report", [f.text for f in report.failures])
"""


def _run(code: str, *, seconds: float = 30, memory_mib: float = 800,
         env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    outcome = python(_PRELUDE + textwrap.dedent(code), seconds=seconds, memory_mib=memory_mib,
                     env=env, cwd=cwd)
    assert_no_traceback(outcome)
    assert outcome.returncode == 0, outcome.output[-3000:]
    return outcome.stdout


def _schema(binding: str, body: str) -> str:
    return (f'<schema xmlns="{SCH}" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
            f'xmlns:f="urn:f" xmlns:xs="http://www.w3.org/2001/XMLSchema" queryBinding="{binding}">\n'
            '<ns prefix="f" uri="urn:f"/><ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/>\n'
            f"{body}\n</schema>\n")


def _rule(test: str = "true()", message: str = "x", context: str = "doc") -> str:
    return (f'<pattern><rule context="{context}">\n<report id="R" test="{test}">{message}</report>'
            f"\n</rule></pattern>")


# Every place the translator copies author XPath/XSLT, each reading the environment another way.
_LEAKS_XPATH2 = {
    "value-of": _rule(message="<value-of select=\"environment-variable('SECRET_TOKEN')\"/>"),
    "prefixed": _rule(message="<value-of select=\"fn:environment-variable('SECRET_TOKEN')\" "
                              "xmlns:fn=\"http://www.w3.org/2005/xpath-functions\"/>"),
    "eqname": _rule(message="<value-of select=\"Q{http://www.w3.org/2005/xpath-functions}"
                            "environment-variable('SECRET_TOKEN')\"/>"),
    "comment-gap": _rule(message="<value-of select=\"environment-variable (: (: a :) b :) "
                                 "('SECRET_TOKEN')\"/>"),
    "all-names": _rule(message="<value-of select=\"available-environment-variables()\"/>"),
    "named-ref": _rule(message="<value-of select=\"environment-variable#1('SECRET_TOKEN')\"/>"),
    "lookup": _rule(message="<value-of select=\"function-lookup(xs:QName('xs:string'), 1)('x')\"/>"),
    "assert": _rule(test="environment-variable('SECRET_TOKEN') = 'hunter2'"),
    "context": _rule(context="doc[environment-variable('SECRET_TOKEN')]"),
    "let": '<let name="s" value="environment-variable(\'SECRET_TOKEN\')"/>'
           + _rule(message='<value-of select="$s"/>'),
    "function": '<xsl:function name="f:s"><xsl:sequence select="environment-variable(\'SECRET_TOKEN\')"/>'
                "</xsl:function>" + _rule(message='<value-of select="f:s()"/>'),
    "key": '<xsl:key name="k" match="*" use="environment-variable(\'SECRET_TOKEN\')"/>'
           + _rule(message="<value-of select=\"count(key('k', 'hunter2'))\"/>"),
    "shadow": '<xsl:function name="f:s"><xsl:sequence _select="{\'environment-\' || \'variable\'}'
              '(\'SECRET_TOKEN\')"/></xsl:function>' + _rule(message='<value-of select="f:s()"/>'),
    "text-template": '<xsl:function name="f:s" expand-text="yes">'
                     "{environment-variable('SECRET_TOKEN')}</xsl:function>"
                     + _rule(message='<value-of select="f:s()"/>'),
    "system-property": _rule(message="<value-of select=\"system-property('user.home')\"/>"),
    "evaluate": '<xsl:function name="f:s"><xsl:evaluate xpath="\'environment-variable(&quot;X&quot;)\'"/>'
                "</xsl:function>" + _rule(message='<value-of select="f:s()"/>'),
    "transform": _rule(message="<value-of select=\"transform(map{'stylesheet-text': ''})\"/>"),
    "unparsed-text": _rule(message="<value-of select=\"unparsed-text('/etc/hostname')\"/>"),
    "collection": _rule(message="<value-of select=\"count(collection('/'))\"/>"),
    "static-base-uri": _rule(message='<value-of select="static-base-uri()"/>'),
}

_LEAKS_XSLT1 = {
    "document": _rule(message="<value-of select=\"document('/etc/hostname')\"/>"),
    "dyn-evaluate": '<ns prefix="dyn" uri="http://exslt.org/dynamic"/>'
                    + _rule(message="<value-of select=\"dyn:evaluate('1')\"/>"),
    "saxon-evaluate": '<ns prefix="s" uri="http://icl.com/saxon"/>'
                      + _rule(message="<value-of select=\"s:evaluate('1')\"/>"),
    "system-property": _rule(message="<value-of select=\"system-property('user.home')\"/>"),
    "extension-element": '<xsl:template name="t"><f:x xsl:extension-element-prefixes="e" '
                         'xmlns:e="http://exslt.org/common"/></xsl:template>' + _rule(),
}


@pytest.mark.parametrize("binding", ["xslt2", "xslt3"])
def test_environment_and_host_reads_are_refused_at_compile_time(binding: str, tmp_path: Path) -> None:
    """A real secret in the child's environment never reaches a finding: every way is refused."""
    for name, body in _LEAKS_XPATH2.items():
        (tmp_path / f"{name}.sch").write_text(_schema(binding, body), encoding="utf-8")
    names = sorted(_LEAKS_XPATH2)
    out = _run(f"""
        for name in {names!r}:
            print(name, end=" ")
            attempt(Path({str(tmp_path)!r}) / (name + ".sch"))
    """, env=SECRET)
    assert "hunter2" not in out
    lines = out.splitlines()
    assert len(lines) == len(names), out
    for name, line in zip(names, lines, strict=True):
        assert line.startswith(f"{name} SpecError {tmp_path / name}.sch:"), line


def test_host_reads_are_refused_on_libxslt(tmp_path: Path) -> None:
    for name, body in _LEAKS_XSLT1.items():
        (tmp_path / f"{name}.sch").write_text(_schema("xslt", body), encoding="utf-8")
    names = sorted(_LEAKS_XSLT1)
    out = _run(f"""
        for name in {names!r}:
            print(name, end=" ")
            attempt(Path({str(tmp_path)!r}) / (name + ".sch"))
    """, env=SECRET)
    lines = out.splitlines()
    assert len(lines) == len(names), out
    for name, line in zip(names, lines, strict=True):
        assert line.startswith(f"{name} SpecError {tmp_path / name}.sch:"), line


def test_harmless_system_property_still_works(tmp_path: Path) -> None:
    body = _rule(message="<value-of select=\"system-property('xsl:version')\"/>")
    (tmp_path / "ok.sch").write_text(_schema("xslt3", body), encoding="utf-8")
    out = _run(f"attempt({str(tmp_path / 'ok.sch')!r})")
    assert out.strip() == "report ['3.0']", out


def test_include_bomb_is_refused_by_budget(tmp_path: Path) -> None:
    """Each file includes the next twice, 25 levels deep: 2^25 copies of the last one."""
    for level in range(25):
        nxt = f"p{level + 1}.sch"
        (tmp_path / f"p{level}.sch").write_text(
            f'<pattern xmlns="{SCH}"><include href="{nxt}"/><include href="{nxt}"/></pattern>')
    (tmp_path / "p25.sch").write_text(f'<rule xmlns="{SCH}" context="doc"><assert test="a">a</assert></rule>')
    (tmp_path / "bomb.sch").write_text(f'<schema xmlns="{SCH}"><include href="p0.sch"/></schema>')
    out = _run(f"attempt({str(tmp_path / 'bomb.sch')!r})", seconds=20, memory_mib=600)
    assert out.startswith("SpecError "), out
    assert "include" in out and str(tmp_path) in out


def test_include_cycle_through_a_fragment_is_a_spec_error(tmp_path: Path) -> None:
    (tmp_path / "a.sch").write_text(
        f'<schema xmlns="{SCH}"><include href="b.sch#p"/></schema>')
    (tmp_path / "b.sch").write_text(
        f'<schema xmlns="{SCH}"><pattern id="p"><include href="b.sch#p"/></pattern></schema>')
    out = _run(f"attempt({str(tmp_path / 'a.sch')!r})", seconds=20, memory_mib=400)
    assert out.startswith(f"SpecError {tmp_path / 'b.sch'}:1"), out
    assert "cycle" in out


_RECURSIVE = {
    "non-tail": '<xsl:function name="f:r" as="xs:integer"><xsl:param name="n" as="xs:integer"/>'
                '<xsl:sequence select="f:r($n + 1) + 1"/></xsl:function>',
    "tail": '<xsl:function name="f:r" as="xs:integer"><xsl:param name="n" as="xs:integer"/>'
            '<xsl:sequence select="f:r($n + 1)"/></xsl:function>',
    "template": '<xsl:function name="f:r"><xsl:param name="n"/><xsl:call-template name="t">'
                '<xsl:with-param name="n" select="$n"/></xsl:call-template></xsl:function>'
                '<xsl:template name="t"><xsl:param name="n"/><xsl:call-template name="t">'
                '<xsl:with-param name="n" select="$n + 1"/></xsl:call-template></xsl:template>',
}


@pytest.mark.parametrize("kind", sorted(_RECURSIVE))
def test_endless_saxon_recursion_ends_in_a_rule_error(kind: str, tmp_path: Path) -> None:
    """Tail calls were optimised into a loop that never ended; now every kind hits Saxon's depth."""
    body = _RECURSIVE[kind] + _rule(test="f:r(1) = 0")
    (tmp_path / "r.sch").write_text(_schema("xslt3", body), encoding="utf-8")
    out = _run(f"attempt({str(tmp_path / 'r.sch')!r})", seconds=20, memory_mib=1200)
    assert out.startswith("RuleError payload.xml | "), out
    assert "recursion" in out


def test_endless_libxslt_recursion_ends_in_a_rule_error(tmp_path: Path) -> None:
    body = ('<xsl:template name="t" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:param name="n"/>'
            '<xsl:call-template name="t"><xsl:with-param name="n" select="$n + 1"/></xsl:call-template>'
            "</xsl:template>")
    body += ('<pattern><rule context="doc"><xsl:call-template name="t"><xsl:with-param name="n" '
             'select="1"/></xsl:call-template><assert test="a">a</assert></rule></pattern>')
    (tmp_path / "r.sch").write_text(_schema("xslt", body), encoding="utf-8")
    out = _run(f"attempt({str(tmp_path / 'r.sch')!r})", seconds=20, memory_mib=800)
    assert out.startswith("RuleError payload.xml | "), out


_CLOCK = {
    "xslt3": "<value-of select=\"current-dateTime()\"/> <value-of select=\"current-date()\"/> "
             "<value-of select=\"current-time()\"/> <value-of select=\"implicit-timezone()\"/> "
             "<value-of select=\"random-number-generator()?number\"/>",
    "xslt": "<value-of select=\"date:date-time()\"/> <value-of select=\"date:year()\"/> "
            "<value-of select=\"math:random()\"/>",
}


@pytest.mark.parametrize("binding", sorted(_CLOCK))
def test_clock_and_random_are_pinned_to_the_run(binding: str, tmp_path: Path) -> None:
    """Two processes, seconds apart, given the same context: the same findings."""
    ns = '<ns prefix="date" uri="http://exslt.org/dates-and-times"/><ns prefix="math" uri="http://exslt.org/math"/>'
    (tmp_path / "t.sch").write_text(_schema(binding, ns + _rule(message=_CLOCK[binding])), encoding="utf-8")
    code = f"""
        import time
        from datetime import datetime, timezone
        from conformance.core.evaluation import EvaluationContext
        context = EvaluationContext(now=datetime(2024, 2, 29, 12, 30, 5, tzinfo=timezone.utc), seed=SEED)
        compiled = compile_schematron(Path({str(tmp_path / 't.sch')!r}))
        doc = etree.fromstring("<doc/>").getroottree()
        first = compiled.validate(doc, evaluation=context).failures[0].text
        time.sleep(1.1)
        again = compiled.validate(doc, evaluation=context).failures[0].text
        assert first == again, (first, again)
        print(first)
    """
    runs = [_run(code.replace("SEED", seed)) for seed in ("7", "7", "8")]
    assert runs[0] == runs[1], runs
    assert "2024-02-29" in runs[0], runs
    assert runs[0] != runs[2], "the seed must reach the random numbers"
