"""Hostile bundles at load time: YAML bombs, files that are not files, links out, too much of it.

Each case copies the shipped envelope bundle into tmp_path, breaks one thing, and runs `conform`
in a bounded child: the answer must be exit code 2 with a short message naming the file, within a
time and memory bound that the unfixed loader crosses (it hung, took gigabytes or a traceback).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conformance.core.limits import BUNDLE_MAX_BYTES, BUNDLE_MAX_FILES
from tests.conftest import ENVELOPE_BUNDLE, ENVELOPE_FIXTURES
from tests.hostile.bounded import Outcome, assert_no_traceback, conform

pytestmark = pytest.mark.hostile

JSON_PAYLOAD = ENVELOPE_FIXTURES / "json" / "bad-message-id.json"
TITLE = "  en: E-government exchange envelope 1.0 (reference specification of this project)"


def bundle(tmp_path: Path) -> tuple[Path, Path]:
    """(standards root, bundle folder) holding a copy of the envelope bundle."""
    root = tmp_path / "standards"
    folder = root / "egov-exchange-envelope" / "1.0.0"
    shutil.copytree(ENVELOPE_BUNDLE, folder)
    return root, folder


def alias_bomb(levels: int = 9) -> str:
    """About 0.5 KB of YAML anchors that expand to 10**levels strings (as top-level fields)."""
    lines = ["x-a0: &a0 [" + ",".join(["xxxxxxxxxx"] * 10) + "]"]
    lines += [f"x-a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def inline_alias_bomb(levels: int = 9) -> str:
    """The same bomb as one flow sequence, for a field of its own: its last item is the big one."""
    items = ["&a0 [" + ",".join(["xxxxxxxxxx"] * 10) + "]"]
    items += [f"&a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


def list_standards(root: Path, *, seconds: float, memory_mib: float) -> Outcome:
    seen = conform("standards", "list", "--standards-path", root, seconds=seconds, memory_mib=memory_mib)
    assert_no_traceback(seen)
    return seen


def refused(seen: Outcome, *needles: str) -> None:
    assert seen.returncode == 2, seen.output[-2000:]
    for needle in needles:
        assert needle in seen.output, seen.output[-2000:]
    assert len(seen.output) < 2000, "the message must not quote the hostile content whole"


def test_alias_bomb_in_standard_yaml(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    manifest = folder / "standard.yaml"
    text = manifest.read_text("utf-8")
    assert TITLE in text
    manifest.write_text(alias_bomb() + text.replace(TITLE, "  en: *a8"), "utf-8")
    refused(list_standards(root, seconds=60, memory_mib=400), "standard.yaml:", "expands to more than")


def test_alias_bomb_in_a_json_rule_flag(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    rules = folder / "rules" / "envelope.rules.yaml"
    text = rules.read_text("utf-8")
    rules.write_text(text.replace("    flag: error", "    flag: " + inline_alias_bomb(), 1), "utf-8")
    seen = conform("validate", "--standards-path", root, JSON_PAYLOAD, seconds=90, memory_mib=600)
    assert_no_traceback(seen)
    refused(seen, "envelope.rules.yaml:", "expands to more than")


def test_standard_yaml_nested_20000_deep(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    (folder / "standard.yaml").write_text("a: " + "[" * 20_000 + "]" * 20_000 + "\n", "utf-8")
    refused(list_standards(root, seconds=60, memory_mib=400), "standard.yaml:")


def test_standard_yaml_nested_deep_in_block_style(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    (folder / "standard.yaml").write_text(
        "".join(" " * i + "- \n" for i in range(3_000)), "utf-8")
    refused(list_standards(root, seconds=60, memory_mib=400), "standard.yaml:")


def test_standard_yaml_with_a_5000_digit_integer(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    manifest = folder / "standard.yaml"
    manifest.write_text(manifest.read_text("utf-8").replace("manifest-format: 1", "manifest-format: "
                                                            + "9" * 5_000), "utf-8")
    refused(list_standards(root, seconds=60, memory_mib=400), "standard.yaml:", "integer of 5000")


def test_standard_yaml_that_is_a_fifo(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    (folder / "standard.yaml").unlink()
    os.mkfifo(folder / "standard.yaml")
    refused(list_standards(root, seconds=60, memory_mib=400), "standard.yaml", "not a regular file")


def test_standard_yaml_linked_to_dev_zero(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    (folder / "standard.yaml").unlink()
    (folder / "standard.yaml").symlink_to("/dev/zero")
    refused(list_standards(root, seconds=60, memory_mib=400), "standard.yaml", "leaves the bundle")


def test_standard_yaml_linked_to_a_fifo_inside_the_bundle(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    (folder / "standard.yaml").unlink()
    os.mkfifo(folder / "pipe")
    (folder / "standard.yaml").symlink_to("pipe")
    refused(list_standards(root, seconds=60, memory_mib=400), "not a regular file")


def test_code_list_that_is_a_fifo(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    code_list = next((folder / "codelists").iterdir())
    code_list.unlink()
    os.mkfifo(code_list)
    refused(list_standards(root, seconds=60, memory_mib=400), code_list.name)


def test_a_fifo_anywhere_in_the_bundle_is_never_opened(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    os.mkfifo(folder / "schemas" / "pipe.xsd")
    refused(list_standards(root, seconds=60, memory_mib=400), "pipe.xsd", "not a regular file")


def test_hashing_does_not_follow_a_link_out_of_the_bundle(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    huge = outside / "huge.bin"
    with huge.open("wb") as stream:  # sparse: 2 GiB on paper, nothing on disk
        stream.truncate(2 << 30)
    os.mkfifo(outside / "pipe")
    (folder / "huge.bin").symlink_to(huge)
    (folder / "pipe").symlink_to(outside / "pipe")
    (folder / "outside").symlink_to(outside, target_is_directory=True)
    seen = list_standards(root, seconds=60, memory_mib=400)
    assert seen.returncode == 0, seen.output[-2000:]


def test_a_bundle_of_too_many_files(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    many = folder / "many"
    many.mkdir()
    for i in range(BUNDLE_MAX_FILES):
        (many / f"{i}.txt").touch()
    refused(list_standards(root, seconds=90, memory_mib=400), "more than", str(BUNDLE_MAX_FILES))


def test_a_bundle_of_too_many_bytes(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    with (folder / "big.bin").open("wb") as stream:  # sparse
        stream.truncate(BUNDLE_MAX_BYTES + 1)
    refused(list_standards(root, seconds=60, memory_mib=400), "big.bin", str(BUNDLE_MAX_BYTES))


def test_validate_with_a_bombed_standards_path_is_exit_2(tmp_path: Path) -> None:
    root, folder = bundle(tmp_path)
    manifest = folder / "standard.yaml"
    manifest.write_text(alias_bomb() + manifest.read_text("utf-8").replace(TITLE, "  en: *a8"), "utf-8")
    seen = conform("validate", "--standards-path", root, JSON_PAYLOAD, seconds=60, memory_mib=400)
    assert_no_traceback(seen)
    refused(seen, "standard.yaml:", "expands to more than")
