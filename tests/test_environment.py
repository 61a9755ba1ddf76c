"""The environment definitions agree with each other and with what is installed."""

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement

import bare
from conftest import ROOT


def pins() -> dict[str, str]:
    out = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"requirements.txt: '{line}' is not pinned with =="
        out[name.lower().replace("_", "-")] = version
    return out


def test_every_direct_dependency_is_pinned():
    lines = (ROOT / "requirements.in").read_text().splitlines()
    direct = [Requirement(line).name.lower().replace("_", "-") for line in lines if line.strip() and not line.startswith("#")]
    missing = [d for d in direct if d not in pins()]
    assert not missing, f"in requirements.in but not pinned in requirements.txt: {missing} (run make lock)"


def test_installed_versions_match_the_pins():
    drift = {}
    for name, version in pins().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            drift[name] = (version, "not installed")
            continue
        if installed != version:
            drift[name] = (version, installed)
    assert not drift, f"environment differs from requirements.txt (pinned, installed): {drift}; run make env"


def test_environment_yml_uses_the_same_pins_and_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-r requirements.txt" in pip, "environment.yml must install the pinned requirements.txt"
    python = next(d for d in conda if d.startswith("python"))
    assert python == "python=3.11"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11,<3.12" and sys.version_info[:2] == (3, 11)
    names = {re.split(r"[=<>! ]", d)[0].lower() for d in conda}
    both = names & set(pins())
    assert not both, f"packages pinned in requirements.txt must not also come from conda: {both}"
    assert "quarto" in names


def test_the_bare_machine_run_hides_the_optional_tools(tmp_path):
    """tests/bare.py (CI runs `make report` and `make test` under it) hides the tools for real:
    neither Python's shutil.which nor the shell finds them; make, git and Python remain."""
    env = bare.bare_env(tmp_path / "bin")
    probe = "import json, shutil, sys; print(json.dumps({t: shutil.which(t) for t in sys.argv[1:]}))"
    tools = sorted(bare.HIDDEN) + ["make", "git", "bash", "python3"]
    found = json.loads(subprocess.run([sys.executable, "-c", probe, *tools], env=env, capture_output=True,
                                      text=True, check=True).stdout)
    assert [t for t in bare.HIDDEN if found[t]] == []
    assert all(found[t] for t in ("make", "git", "bash", "python3")), found
    shell = subprocess.run(["bash", "-c", "command -v pdftotext quarto hyperfine node java chromium"], env=env)
    assert shell.returncode != 0
    if shutil.which("pdftotext"):  # on a machine that has it, the check is not empty
        assert not (tmp_path / "bin" / "pdftotext").exists()


@pytest.mark.parametrize("dont_write", ["1", None])
def test_uv_compiles_the_bytecode_when_python_may_not_write_it(project, dont_write):
    """With PYTHONDONTWRITEBYTECODE set (as on some CI machines), every kernel would compile
    its imports again; make has uv compile them once, at install. Otherwise Python caches
    them as it imports, and uv installs as it does by default."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MAKEFLAGS", "MAKELEVEL")}
    if dont_write:
        env["PYTHONDONTWRITEBYTECODE"] = dont_write
    proc = subprocess.run(["make", "-n", "env", "UV=uv"], cwd=project, env=env, capture_output=True, text=True)
    sync = [line for line in proc.stdout.splitlines() if " pip sync " in line]
    assert len(sync) == 1, proc.stdout + proc.stderr
    assert ("--compile-bytecode" in sync[0]) == bool(dont_write), sync[0]
