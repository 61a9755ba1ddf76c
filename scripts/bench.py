#!/usr/bin/env python3
"""Time the build with hyperfine: ``make bench`` (``python scripts/bench.py [--runs N] [--quick]``).

Builds in a temporary copy of the tracked files, never in the checkout; writes
``reports/_build/bench.json`` and prints the median and range of every scenario and the
ratios between them. The report is rendered by the offline renderer (``quarto`` is taken
off ``PATH``), except in the Quarto scenario, which runs only when ``quarto`` is on ``PATH``.
Peak memory comes from ``/usr/bin/time -v`` (the largest single process of a cold build).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
NB = "09_bib_examenmonitor"
# Quote the first field of the first data row, or unquote it again: the same rows, new bytes.
TOGGLE_RAW = rf"""sed -i -e '2{{s/^"\([^",]*\)",/\1,/;t;s/^\([^",]*\),/"\1",/}}' data/raw/{NB}.csv"""
NBCONVERT = ("for nb in notebooks/[0-9][0-9]_*.ipynb; do {py} -m jupyter nbconvert --to notebook --execute "
             "--ExecutePreprocessor.kernel_name=verzamelbrief-inburgering --output-dir reports/_executed \"$nb\" "
             "|| exit 1; done && {py} -m verzamelbrief.render reports")
RESET = "rm -f reports/_executed/*.ipynb && find data/processed -mindepth 1 ! -name README.md -delete"
# (name, what it measures, command, command run before each timed run)
SCENARIOS = [
    ("nbconvert_baseline", "baseline: jupyter nbconvert --execute one by one + render", NBCONVERT, RESET),
    ("cold_parallel", "cold build, parallel (make clean; make report)", "{make} report", "{make} clean"),
    ("noop", "no-op make report", "{make} report", None),
    ("raw_change", f"data/raw/{NB}.csv changed", "{make} report", TOGGLE_RAW),
    ("reference", f"reference: {NB} alone (the runner) + render",
     f"{{py}} -m verzamelbrief.run notebooks/{NB}.ipynb reports/_executed/{NB}.ipynb "
     f"--params-file reports/_executed/params/{NB}.yaml && {{make}} report", None),
    ("render_offline", "report text changed: offline render", "{make} report", "touch reports/verzamelbrief.qmd"),
    ("render_quarto", "report text changed: Quarto render", "{make} report", "touch reports/verzamelbrief.qmd"),
]
# (numerator, denominator, limit or None, description)
RATIOS = [
    ("cold_parallel", "nbconvert_baseline", 0.6, "cold parallel build / nbconvert baseline"),
    ("noop", "cold_parallel", 0.02, "no-op build / cold parallel build"),
    ("raw_change", "reference", 1.3, f"one raw file changed / ({NB} alone + render)"),
    ("render_quarto", "render_offline", None, "Quarto render / offline render"),
]


def ratios(medians: dict[str, float]) -> list[dict]:
    """Ratios of medians, with a verdict where there is a limit.

    >>> [r["ratio"] for r in ratios({"noop": 0.5, "cold_parallel": 50.0})]
    [None, 0.01, None, None]
    >>> ratios({"raw_change": 6.5, "reference": 5.0})[2]["met"]
    True
    """
    out = []
    for num, den, limit, what in RATIOS:
        value = medians[num] / medians[den] if num in medians and den in medians else None
        met = None if value is None or limit is None else value <= limit
        out.append({"name": f"{num}/{den}", "what": what, "ratio": value, "limit": limit, "met": met})
    return out


def copy_tracked(dest: Path) -> None:
    """The tracked files as they are in the working tree (what a clone has, plus your edits)."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached"], cwd=ROOT, check=True, capture_output=True).stdout
    dest.mkdir(parents=True)
    pack = subprocess.run(["tar", "--null", "--ignore-failed-read", "-T", "-", "-cf", "-"], cwd=ROOT, input=files,
                          check=True, capture_output=True).stdout
    subprocess.run(["tar", "-xf", "-", "-C", str(dest)], input=pack, check=True)


def environment(copy: Path, quarto: str | None) -> dict:
    """The copy's environment: its own sources, this Python environment first on PATH (as if
    activated: the baseline calls ``jupyter``), and ``quarto`` only when asked for."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    dirs = [d for d in env.get("PATH", "").split(os.pathsep) if d and not os.access(os.path.join(d, "quarto"), os.X_OK)]
    env["PATH"] = os.pathsep.join([str(Path(PY).parent)] + ([str(Path(quarto).parent)] if quarto else []) + dirs)
    env.update(VERZAMELBRIEF_ROOT=str(copy), PYTHONPATH=str(copy / "src"))
    return env


def run(cmd: str, copy: Path, env: dict) -> str:
    proc = subprocess.run(cmd, shell=True, cwd=copy, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"bench: '{cmd}' failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc.stdout + proc.stderr


def hyperfine(name: str, cmd: str, prepare: str | None, copy: Path, env: dict, args, out: Path) -> dict:
    target = out / f"{name}.json"
    argv = ["hyperfine", "--style", "basic", "--runs", str(args.runs), "--warmup", str(args.warmup),
            "--export-json", str(target), "--command-name", name]
    if subprocess.run(argv + (["--prepare", prepare] if prepare else []) + [cmd], cwd=copy, env=env).returncode:
        print(f"bench: {name} failed (left out); to see why, run in a copy: {cmd}", file=sys.stderr)
        return {"command": cmd, "prepare": prepare, "failed": True}
    result = json.loads(target.read_text())["results"][0]
    keys = ("median", "min", "max", "mean", "stddev", "user", "system", "times")
    return {"command": cmd, "prepare": prepare, **{k: result[k] for k in keys}}


def peak_memory(make: str, copy: Path, env: dict) -> float:
    """Peak resident memory (MiB) of the largest single process of a cold build."""
    run(f"{make} clean", copy, env)
    text = run(f"/usr/bin/time -v {make} report", copy, env)
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per scenario (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: one run, no warm-up (not for quoting)")
    parser.add_argument("--json", type=Path, default=ROOT / "reports/_build/bench.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.warmup = 1, 0
    for tool in ("hyperfine", "/usr/bin/time"):
        if not shutil.which(tool):
            raise SystemExit(f"bench: {tool} not found (apt-get install {Path(tool).name})")
    quarto = shutil.which("quarto")
    with tempfile.TemporaryDirectory(prefix="verzamelbrief-bench-") as tmp:
        copy, out = Path(tmp) / "project", Path(tmp) / "hyperfine"
        copy_tracked(copy)
        out.mkdir()
        (copy / ".env-stamp").touch()
        make = f"make PY={PY} ENV={copy / '.env-stamp'}"
        env = environment(copy, None)
        run(f"{make} report", copy, env)  # the environment's caches warm, params split, fonts in place
        results, loads = {}, {}
        for name, what, cmd, prepare in SCENARIOS:
            if name == "render_quarto" and not quarto:
                print(f"bench: {name} skipped (quarto is not on PATH)", file=sys.stderr)
                continue
            cmd, prepare = (t and t.replace("{py}", PY).replace("{make}", make) for t in (cmd, prepare))
            print(f"\n▶ {name}: {what}", file=sys.stderr, flush=True)
            load = os.getloadavg()[0]
            results[name] = {"what": what, **hyperfine(name, cmd, prepare, copy, environment(copy, quarto if
                                                       name == "render_quarto" else None), args, out)}
            loads[name] = [round(load, 2), round(os.getloadavg()[0], 2)]
            results[name]["load_average_1min_before_after"] = loads[name]
        # what the raw change reran (expected: 09 and 11_cijfercontrole)
        ran = re.findall(r"^▶ (\S+): running", run(f"{TOGGLE_RAW} && {make} report", copy, env), re.M)
        peak = peak_memory(make, copy, env)
    report = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                          "hyperfine": subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip()},
              "runs": args.runs, "warmup": args.warmup, "quick": args.quick, "quarto": quarto,
              "scenarios": results, "ratios": ratios({k: v["median"] for k, v in results.items() if "median" in v}),
              "raw_change_reran": sorted(ran), "peak_rss_mib_largest_process": round(peak, 1)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{'scenario':<20} {'median':>9} {'range (min–max)':<20} load average before/after")
    for name, r in results.items():
        timing = "failed" if r.get("failed") else f"{r['median']:>8.3f}s {r['min']:.3f}–{r['max']:.3f} s".ljust(30)
        print(f"{name:<20} {timing}  {loads[name]}")
    for r in report["ratios"]:
        if r["ratio"] is not None:
            verdict = "" if r["met"] is None else (" met" if r["met"] else " MISSED")
            print(f"{r['what']}: {r['ratio']:.3g}" + (f" (limit {r['limit']}){verdict}" if r["limit"] else ""))
    print(f"peak memory (largest process of a cold build): {peak:.0f} MiB\n"
          f"a raw change reran: {', '.join(sorted(ran))}\n✓ bench: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
