"""The pipeline route: what each ``make report`` ran, and why (``reports/build-log.jsonl``).

``make`` runs every step that builds something (validation, each notebook, the render)
through ``record``, which runs the step's command and then appends one JSON line to the
log: the build it belongs to, the step and its target, why make ran it (the target was
missing, or which prerequisites were newer: make's ``$?``, passed in the environment as
``VERZAMELBRIEF_CHANGED``), the notebook's parameters, the renderer, how long it took and
whether it succeeded. ``why`` answers "why did this rerun?" from the log::

    python src/verzamelbrief/buildlog.py record --step notebook --target T [--params F] -- CMD...
    python src/verzamelbrief/buildlog.py why [NOTEBOOK]     # make why [NB=09]

The log is not an output of the report (nothing reads it to build), git ignores it and
``make clean`` keeps it, so the route of earlier builds stays readable. Standard library
only (run by path, like ``buildlock.py``), so that it costs a fraction of a notebook run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

LOG = Path("reports") / "build-log.jsonl"
CHANGED_ENV = "VERZAMELBRIEF_CHANGED"
BUILD_ENV = "VERZAMELBRIEF_BUILD_ID"


def read_params(path: Path | None) -> dict | str | None:
    """The parameters of one notebook (its split block of params.yaml: ``key: value`` lines)."""
    if path is None or not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if text.strip() in ("", "{}"):
        return {}  # a notebook whose block sets no parameter
    params = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if not sep or key.startswith((" ", "-", "#")):
            return text  # not flat: keep the text as it is
        params[key] = value.strip()
    return params


def entry(
    step: str,
    target: str,
    changed: str,
    existed: bool,
    seconds: float,
    status: int,
    params: dict | str | None = None,
    renderer: str | None = None,
) -> dict:
    """One line of the log."""
    item = {
        "build": os.environ.get(BUILD_ENV, ""),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "step": step,
        "target": target,
        "why": "newer prerequisites" if existed else "no previous output",
        "changed": changed.split(),
        "seconds": round(seconds, 2),
        "status": "ok" if status == 0 else f"failed (exit {status})",
    }
    if step == "notebook":
        item["notebook"] = Path(target).stem
        item["params"] = params
    if renderer is not None:
        item["renderer"] = renderer
    return item


def append(log: Path, item: dict) -> None:
    """Append one line; a log that cannot be written never fails the build."""
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as out:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    except OSError as exc:
        print(f"warning: build log {log} not written: {exc}", file=sys.stderr)


def record(args) -> int:
    existed = Path(args.target).exists()
    start = time.monotonic()
    child = subprocess.Popen(args.command)

    def forward(signum, _frame):
        child.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    status = child.wait()
    renderer = None
    if args.renderer_file:
        state = Path(args.renderer_file)
        renderer = state.read_text(encoding="utf-8").strip() if state.is_file() else "unknown"
    params = read_params(Path(args.params)) if args.params else None
    append(
        Path(args.log),
        entry(
            args.step,
            args.target,
            os.environ.get(CHANGED_ENV, ""),
            existed,
            time.monotonic() - start,
            status,
            params,
            renderer,
        ),
    )
    return status if status >= 0 else 128 - status


def read_log(log: Path) -> list[dict]:
    if not log.is_file():
        return []
    items = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut off by a full disk or a kill: skip it
    return items


def describe(item: dict) -> str:
    """One line: what ran, why, with what, how long."""
    what = f"notebook {item['notebook']}" if item["step"] == "notebook" else item["step"]
    if item["why"] == "no previous output":
        why = "no previous output"
    else:
        why = "changed: " + (", ".join(item["changed"]) or "(nothing newer; forced)")
    extra = ""
    if item.get("params"):
        params = item["params"]
        extra = "; params " + (
            ", ".join(f"{k}={v}" for k, v in params.items()) if isinstance(params, dict) else "(see log)"
        )
    if item.get("renderer"):
        extra += f"; renderer {item['renderer']}"
    return f"{what}: {why}{extra}; {item['seconds']} s, {item['status']}"


def why(log: Path, notebook: str | None = None) -> list[str]:
    """The steps of the last build that ran something, or the last run of one notebook."""
    items = read_log(log)
    if not items:
        return [f"no build recorded in {log} yet (make report writes it)"]
    if notebook:
        runs = [i for i in items if i.get("notebook", "").startswith(notebook)]
        if not runs:
            return [f"notebook {notebook} has not run since the log began"]
        last = runs[-1]
        return [f"last run in build {last['build']} ({last['finished']}): {describe(last)}"]
    last = items[-1]["build"]
    steps = [i for i in items if i["build"] == last]
    return [f"build {last} ({steps[-1]['finished']}) ran {len(steps)} step(s):", *(f"  {describe(i)}" for i in steps)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="buildlog", description=__doc__.splitlines()[0])
    parser.add_argument("--log", default=str(LOG))
    sub = parser.add_subparsers(dest="action", required=True)
    rec = sub.add_parser("record", help="run a build step and log it")
    rec.add_argument("--step", required=True, choices=["validate", "notebook", "render"])
    rec.add_argument("--target", required=True)
    rec.add_argument("--params")
    rec.add_argument("--renderer-file")
    rec.add_argument("command", nargs=argparse.REMAINDER)
    ask = sub.add_parser("why", help="why did the last build (or one notebook) run")
    ask.add_argument("notebook", nargs="?")
    args = parser.parse_args(argv)
    if args.action == "record":
        if args.command[:1] == ["--"]:
            args.command = args.command[1:]
        if not args.command:
            parser.error("record: no command after --")
        return record(args)
    print("\n".join(why(Path(args.log), args.notebook)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
