"""The built wheel works as well as an editable install (issue 10 §1).

The wheel is built from this checkout, installed into a clean virtualenv and used from a folder
that is not the checkout: `conform standards list` must find the bundled standards inside the
installed package, and the README's main job must run. No network: the wheel is built without
build isolation, and the clean virtualenv borrows the third-party packages of this one through a
path file (its own site-packages, holding the wheel, comes first).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, STANDARDS

pytestmark = pytest.mark.slow


def test_the_package_list_is_the_package_tree() -> None:
    """pyproject.toml lists the packages (to map `standards/` in): a new one must not be left out."""
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    tree = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "conformance").rglob("__init__.py")}
    assert set(declared["packages"]) == tree | {"conformance.bundled"}
    assert declared["package-dir"] == {"conformance.bundled": "standards"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(out), str(REPO)], check=True, timeout=300,
                   env=_clean_env())
    (built,) = out.glob("egov_conformance-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtualenv holding the wheel; returns its `bin` folder."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60).stdout.strip())
    # This environment's dependencies, after the clean site-packages (a path file appends).
    (purelib / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, timeout=300, env=_clean_env())
    return venv / "bin"


def test_the_wheel_holds_every_bundled_standard(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    bundles = sorted(STANDARDS.glob("*/*/standard.yaml"))
    assert bundles
    for manifest in bundles:
        bundle = manifest.parent
        for path in bundle.rglob("*"):
            if path.is_file():
                assert f"conformance/bundled/{path.relative_to(STANDARDS).as_posix()}" in names, path


def test_the_wheel_holds_every_file_of_the_package(wheel: Path) -> None:
    """Templates and schemas too: a file left out fails only at run time, on a user's machine."""
    names = set(zipfile.ZipFile(wheel).namelist())
    package = REPO / "conformance"
    files = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    missing = [str(p.relative_to(REPO)) for p in files if p.relative_to(REPO).as_posix() not in names]
    assert not missing


def test_standards_list_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    done = _conform(installed, tmp_path, "standards", "list", "--format", "json")
    assert done.returncode == 0, done.stderr
    listed = {f"{s['id']}@{s['version']}": s for s in json.loads(done.stdout)}
    expected = {f"{m.parent.parent.name}@{m.parent.name}" for m in STANDARDS.glob("*/*/standard.yaml")}
    assert set(listed) == expected
    for item in listed.values():  # read from the installed package, not from this checkout
        assert Path(item["folder"]).is_relative_to(installed.parent), item["folder"]


def test_no_standards_found_is_exit_2_and_names_where_it_looked(installed: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    done = _conform(installed, tmp_path, "standards", "list", "--standards-path", str(missing))
    assert done.returncode == 2
    assert f"{missing} (does not exist)" in done.stderr


def test_the_readme_main_job_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    command = _readme_main_job()
    assert command[:2] == ["conform", "run"], command
    # The payload pattern is relative to a checkout: point it at this one, run elsewhere.
    at = command.index("--payloads") + 1
    command[at] = str(REPO / command[at])
    done = _conform(installed, tmp_path, *command[1:])
    assert done.returncode == 0, done.stdout + done.stderr
    out = tmp_path / command[command.index("--out") + 1]
    assert (out / "results.json").is_file() and (out / "certificate.json").is_file()
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["verdict"] == "conformant", results["summary"]
    assert results["summary"]["payloads"] > 0


def _readme_main_job() -> list[str]:
    """The `conform run ...` of the README's first command."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```sh\n(.+?)\n```", readme, re.S)
    assert first
    job = first.group(1).split("&&")[-1].strip()
    words = shlex.split(job)
    words[0] = Path(words[0]).name
    return words


def _conform(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_dir / "conform"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=_clean_env())


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"CONFORMANCE_STANDARDS_PATH", "PYTHONPATH", "PYTEST_ADDOPTS", "VIRTUAL_ENV"}}
    return env
