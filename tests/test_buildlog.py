"""The pipeline route: reports/build-log.jsonl says what each build ran and why (make why)."""

import json
import subprocess
import sys

import yaml

from conftest import ROOT, make

SCRIPT = ROOT / "src" / "verzamelbrief" / "buildlog.py"


def record(tmp_path, *command, changed="", **options):
    env = {"PATH": "/usr/bin:/bin", "VERZAMELBRIEF_CHANGED": changed, "VERZAMELBRIEF_BUILD_ID": "b1"}
    args = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--log", str(tmp_path / "log.jsonl"), "record", *args, "--", *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )


def lines(tmp_path):
    return [json.loads(line) for line in (tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()]


def test_a_step_is_run_timed_and_logged_with_why_and_its_parameters(tmp_path):
    (tmp_path / "p.yaml").write_text("fig_format: svg\npct_decimals: 2\n")
    (tmp_path / "out.ipynb").write_text("{}")
    proc = record(tmp_path, "true", step="notebook", target="out.ipynb", params="p.yaml", changed="a.csv p.yaml")
    assert proc.returncode == 0, proc.stderr
    (item,) = lines(tmp_path)
    assert item["build"] == "b1" and item["notebook"] == "out" and item["status"] == "ok"
    assert item["why"] == "newer prerequisites" and item["changed"] == ["a.csv", "p.yaml"]
    assert item["params"] == {"fig_format": "svg", "pct_decimals": "2"} and item["seconds"] >= 0


def test_a_failing_step_keeps_its_exit_code_and_is_logged_as_failed(tmp_path):
    (tmp_path / "state").write_text("offline\n")
    proc = record(tmp_path, "sh", "-c", "exit 3", step="render", target="missing.html", renderer_file="state")
    assert proc.returncode == 3
    (item,) = lines(tmp_path)
    assert item["status"] == "failed (exit 3)" and item["why"] == "no previous output" and item["renderer"] == "offline"


def test_a_log_that_cannot_be_written_does_not_fail_the_step(tmp_path):
    (tmp_path / "log.jsonl").mkdir()  # a folder where the file should be
    proc = record(tmp_path, "true", step="validate", target="x")
    assert proc.returncode == 0 and "build log" in proc.stderr


def test_why_answers_for_the_last_build_and_for_one_notebook(tmp_path):
    from verzamelbrief import buildlog

    log = tmp_path / "log.jsonl"
    assert buildlog.why(log) == [f"no build recorded in {log} yet (make report writes it)"]
    base = {"finished": "t", "why": "newer prerequisites", "seconds": 1.0, "status": "ok", "params": {}}
    items = [
        {**base, "build": "b1", "step": "notebook", "target": "x/09_a.ipynb", "notebook": "09_a", "changed": ["p"]},
        {**base, "build": "b2", "step": "notebook", "target": "x/11_c.ipynb", "notebook": "11_c", "changed": ["r.csv"]},
        {
            **base,
            "build": "b2",
            "step": "render",
            "target": "r.html",
            "changed": ["x/11_c.ipynb"],
            "renderer": "offline",
        },
    ]
    log.write_text("".join(json.dumps(i) + "\n" for i in items) + '{"cut off')
    last = buildlog.why(log)
    assert last[0] == "build b2 (t) ran 2 step(s):"
    assert last[1] == "  notebook 11_c: changed: r.csv; 1.0 s, ok"
    assert last[2] == "  render: changed: x/11_c.ipynb; renderer offline; 1.0 s, ok"
    assert buildlog.why(log, "09") == ["last run in build b1 (t): notebook 09_a: changed: p; 1.0 s, ok"]


def test_the_session_build_logged_every_step_with_its_parameters(built_project):
    items = [json.loads(line) for line in (built_project / "reports/build-log.jsonl").read_text().splitlines()]
    assert len({i["build"] for i in items}) == 1
    steps = [i["step"] for i in items]
    notebooks = sorted(p.stem for p in (built_project / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert steps[0] == "validate" and steps[-1] == "render" and steps.count("notebook") == len(notebooks)
    assert sorted(i["notebook"] for i in items if i["step"] == "notebook") == notebooks
    assert all(i["why"] == "no previous output" and i["status"] == "ok" for i in items)
    blocks = yaml.safe_load((built_project / "params.yaml").read_text(encoding="utf-8"))
    for item in (i for i in items if i["step"] == "notebook"):
        assert set(item["params"]) == set(blocks[item["notebook"]]), item
    assert items[-1]["renderer"] == "offline"
    why = make(built_project, "why").stdout
    assert f"ran {len(items)} step(s)" in why and "notebook 09_bib_examenmonitor: no previous output" in why
