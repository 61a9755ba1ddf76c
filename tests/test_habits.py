"""The habits pre-commit keeps (.pre-commit-config.yaml), checked here too so that CI fails
on a violation: ruff, notebooks without outputs, no large files; and the version, the
changelog and the citation agree."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

import hooks
from conftest import ROOT, tracked_files

BIN = Path(sys.executable).parent
#: The files `ruff format` is checked on until the lead formats the whole tree once after the
#: merges (then this list becomes every tracked Python file).
FORMATTED = [
    "src/verzamelbrief/buildlog.py",
    "tests/bare.py",
    "tests/hooks.py",
    "tests/interrupts.py",
    "tests/test_habits.py",
    "tests/test_lab.py",
    "tests/test_buildlog.py",
]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT, capture_output=True, text=True)


def test_pre_commit_runs_the_same_checks_offline():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [r["repo"] for r in config["repos"]] == ["local"], "hooks must work offline (repo: local)"
    hooks_ = {h["id"]: h for r in config["repos"] for h in r["hooks"]}
    assert {"nbstripout", "notebooks-without-outputs", "ruff-check", "ruff-format", "large-files"} <= set(hooks_)
    for hook in hooks_.values():
        tool = hook["entry"].split()[0]
        assert hook["language"] == "system" and (BIN / tool).exists(), f"{hook['id']}: {tool} is not in the environment"


def test_ruff_check_finds_nothing():
    proc = run("ruff", "check", "--force-exclude", "--output-format", "concise", ".")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]


def test_ruff_format_leaves_the_formatted_files_alone():
    proc = run("ruff", "format", "--check", "--force-exclude", *FORMATTED)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_notebooks_are_stored_without_outputs():
    notebooks = [f for f in tracked_files() if f.endswith(".ipynb")]
    assert notebooks and hooks.notebooks_with_outputs([str(ROOT / f) for f in notebooks]) == []
    proc = run("nbstripout", "--verify", "--keep-id", *notebooks)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_large_files_are_tracked(tmp_path):
    assert hooks.large_files([str(ROOT / f) for f in tracked_files()]) == []
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (hooks.LIMIT_KB * 1024 + 1))
    assert hooks.main(["large-files", str(big)]) == 1  # the check can fail


def test_version_changelog_and_citation_agree():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"pyproject.toml: version {version!r} is not semantic"
    import verzamelbrief

    assert verzamelbrief.__version__ == version
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, flags=re.MULTILINE)
    pending = re.search(r"^## \[Unreleased\]\n\nBecomes (\d+\.\d+\.\d+)", changelog, flags=re.MULTILINE)
    assert version in released or (pending and pending.group(1) == version), (
        f"CHANGELOG.md names version {version} neither as released nor as what Unreleased becomes"
    )
    assert released == sorted(released, key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["version"] == version and citation["title"]


def test_links_to_project_files_resolve():
    for doc in [ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), f"{doc.relative_to(ROOT)}: link to {target} does not resolve"


def test_readme_fits_a_screen_or_two():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; the rest belongs in docs/"
