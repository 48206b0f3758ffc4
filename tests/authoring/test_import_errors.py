"""An import whose bundle does not compile names the user's files, not the staging copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.authoring.importer import import_standard
from conformance.core.errors import SpecError

BROKEN = """<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="{binding}">
  <pattern id="p">
    <rule context="/doc">
      <assert id="R-1" test="count(item) &gt;">Items.</assert>
    </rule>
  </pattern>
</schema>
"""


@pytest.mark.parametrize("binding", ["xslt", "xslt2"])
def test_a_compile_error_names_the_source_file(tmp_path: Path, binding: str) -> None:
    source = tmp_path / "given" / "broken.sch"
    source.parent.mkdir()
    source.write_text(BROKEN.format(binding=binding), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(SpecError) as caught:
        import_standard([source], out=out, standard_id="broken", version="1.0.0")
    text = str(caught.value)
    assert "does not work" in text
    assert f"{source}:5" in text, text  # the assert's own line, in the file the user gave
    assert ".import-" not in text and "rules/broken.sch" not in text, text
    assert not (out / "broken").exists() or not any((out / "broken").iterdir())
