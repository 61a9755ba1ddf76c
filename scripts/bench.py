"""Time the build: ``make bench`` (or ``python scripts/bench.py [--repeat N] [--quick] [--json PATH]``).

The benchmark never touches the checkout it is run from, apart from writing its result
(``reports/_build/bench.json``). It copies the project's tracked files (what a clone has)
into a temporary folder and builds there, with ``VERZAMELBRIEF_ROOT`` pointing the package
at the copy and this Python environment standing in for the copy's (a fresh ``ENV`` stamp,
so make never reinstalls and never repoints the editable install at the copy). The copy's
own ``src/`` comes first on ``PYTHONPATH``, so edits to the checkout during a run do not leak in.

Scenarios, each timed ``--repeat`` times (wall-clock seconds; median and min-max):

- cold build, parallel (``make clean`` then ``make report``, default ``JOBS``) and sequential (``JOBS=1``);
- no-op build (``make report`` right after a build);
- one raw file changed (``data/raw/09_bib_examenmonitor.csv``, alternating between two
  valid spellings of the same data), one parameter changed (``pct_decimals`` of the
  ``09_bib_examenmonitor`` block, alternating 1 and 2), report text changed (a comment line
  in ``reports/verzamelbrief.qmd``, added and removed);
- reference for the raw change: that one notebook through the project's runner, plus the render;
- baseline: every notebook executed one by one with ``jupyter nbconvert --execute``, plus the render;

plus the peak memory of one cold parallel build (summed RSS of make's process tree), and a
profile of where one notebook's time goes (Python start, imports, kernel start, cells,
kernel shutdown, writing).

Every run also records its CPU seconds (the command and its descendants) and what other
processes, and other guests of the hypervisor (steal), used meanwhile; timings taken on a
busy machine are flagged.

It is a measurement: it exits 0 even when a target is missed, and 1 only when a build fails.
Progress goes to standard error; under ``make bench`` it appears only when the benchmark
ends, because the Makefile's ``--output-sync=line`` holds a recipe's output until it exits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
KERNEL = "verzamelbrief-inburgering"

TARGET_NOTEBOOK = "09_bib_examenmonitor"
RAW_FILE = f"data/raw/{TARGET_NOTEBOOK}.csv"
QMD_FILE = "reports/verzamelbrief.qmd"
QMD_MARKER = "<!-- bench -->"
PARAM_NAME = "pct_decimals"
PARAM_VALUES = (1, 2)

CHECKS_NOTEBOOK = "11_cijfercontrole"  # reads every raw file
PROVENANCE_NOTEBOOK = "99_herkomst"  # older versions: reads every raw file and every parameter block


def expected_runs(stems: list[str] | set[str]) -> dict[str, tuple[list[str], bool]]:
    """What make should rerun in each scenario: (notebooks, whether it renders).

    A mismatch is reported, not fatal. The provenance notebook counts only when the
    project still has one (the colophon has since moved into the render).
    """
    provenance = [PROVENANCE_NOTEBOOK] if PROVENANCE_NOTEBOOK in stems else []
    return {
        "noop": ([], False),
        "raw_change": (sorted([TARGET_NOTEBOOK, CHECKS_NOTEBOOK, *provenance]), True),
        "param_change": (sorted([TARGET_NOTEBOOK, *provenance]), True),
        "qmd_change": ([], True),
    }

# Targets: (name, numerator scenario, denominator scenario, limit, description)
TARGETS = [
    ("noop_vs_cold_parallel", "noop", "cold_parallel", 0.02, "no-op build ≤ 2 % of a cold parallel build"),
    ("cold_parallel_vs_nbconvert", "cold_parallel", "nbconvert_baseline", 0.6,
     "cold parallel build ≤ 0.6 × nbconvert one by one + render"),
    ("raw_change_vs_reference", "raw_change", "reference_09_render", 1.3,
     f"one raw file changed ≤ 1.3 × ({TARGET_NOTEBOOK} alone + render)"),
]
# Further ratios, for information.
INFO_RATIOS = [
    ("cold_sequential_vs_cold_parallel", "cold_sequential", "cold_parallel", "parallel speed-up (sequential / parallel)"),
    ("nbconvert_vs_cold_parallel", "nbconvert_baseline", "cold_parallel", "nbconvert baseline / cold parallel"),
    ("param_change_vs_reference", "param_change", "reference_09_render",
     f"one parameter changed / ({TARGET_NOTEBOOK} alone + render)"),
    ("qmd_change_vs_render", "qmd_change", "render_alone", "report text changed / render alone"),
]

LABELS = {
    "cold_parallel": "cold build, parallel (JOBS={jobs})",
    "cold_sequential": "cold build, sequential (JOBS=1)",
    "noop": "no-op build",
    "raw_change": f"raw file changed ({Path(RAW_FILE).name})",
    "param_change": f"parameter changed ({TARGET_NOTEBOOK}.{PARAM_NAME})",
    "qmd_change": "report text changed (verzamelbrief.qmd)",
    "reference_09_render": f"reference: {TARGET_NOTEBOOK} alone + render",
    "notebook_alone": f"  of which {TARGET_NOTEBOOK} via the runner",
    "render_alone": "  of which the render",
    "nbconvert_baseline": "baseline: nbconvert one by one + render",
}

RUNNING_RE = re.compile(r"^▶ (\S+): running\s*$", re.MULTILINE)
DONE_RE = re.compile(r"^✓ (\S+): done in ([0-9.]+) s", re.MULTILINE)
RENDER_RE = re.compile(r"^▶ report: (?:rendering|quarto render)", re.MULTILINE)
VALIDATED_LINE = "data/raw: all files valid"


# ---------------------------------------------------------------- pure helpers


def summarise(samples: list[float]) -> dict:
    """Median and range of ``samples`` (seconds), with the samples themselves.

    >>> summarise([3.0, 1.0, 2.0])["median"], summarise([3.0, 1.0, 2.0])["min"]
    (2.0, 1.0)
    """
    if not samples:
        raise ValueError("no samples")
    values = [float(s) for s in samples]
    return {"n": len(values), "median": statistics.median(values), "min": min(values), "max": max(values), "samples": values}


def ran_notebooks(output: str) -> list[str]:
    """The notebooks a build ran, in the order of their ``▶ <stem>: running`` lines."""
    return RUNNING_RE.findall(output)


def notebook_seconds(output: str) -> dict[str, float]:
    """Each notebook's own time, from its ``✓ <stem>: done in X s`` line."""
    return {stem: float(s) for stem, s in DONE_RE.findall(output)}


def rendered(output: str) -> bool:
    """Whether the build rendered the report (``▶ report: rendering …``)."""
    return bool(RENDER_RE.search(output))


def parse_build(output: str) -> dict:
    """What a ``make report`` did, from its standard output."""
    return {
        "ran": ran_notebooks(output),
        "rendered": rendered(output),
        "validated": VALIDATED_LINE in output,
        "notebook_seconds": notebook_seconds(output),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def verdicts(medians: dict[str, float]) -> list[dict]:
    """Each target with its ratio of medians and whether it is met (``None``: not measured)."""
    out = []
    for name, num, den, limit, description in TARGETS:
        r = ratio(medians.get(num), medians.get(den))
        out.append({
            "name": name, "description": description, "numerator": num, "denominator": den,
            "limit": limit, "ratio": r, "met": None if r is None else r <= limit,
            # how far above (+) or below (-) the limit, relative to the limit
            "margin": None if r is None else r / limit - 1,
        })
    return out


def info_ratios(medians: dict[str, float]) -> dict[str, dict]:
    return {name: {"description": d, "numerator": n, "denominator": m, "ratio": ratio(medians.get(n), medians.get(m))}
            for name, n, m, d in INFO_RATIOS}


def other_load(run: dict, cores: int) -> float:
    """Share of the machine's CPU capacity that other processes (and other guests, as steal)
    used during a timed run.

    >>> other_load({"seconds": 10.0, "other_cpu_seconds": 4.0, "steal_seconds": 1.0}, 2)
    0.25
    """
    used = (run.get("other_cpu_seconds") or 0.0) + (run.get("steal_seconds") or 0.0)
    return used / (run["seconds"] * cores) if run["seconds"] > 0 else 0.0


BUSY_LIMIT = 0.10  # above this median share of others' load, a scenario's timings are flagged


def verdict_text(v: dict) -> str:
    if v["met"] is None:
        return "not measured"
    pct = abs(v["margin"]) * 100
    how = f"{pct:.1f}" if pct < 10 else f"{pct:.0f}"
    return f"met ({how} % under the limit)" if v["met"] else f"MISSED ({how} % over the limit)"


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "–"
    if s < 1:
        return f"{s:.3f} s"
    if s < 10:
        return f"{s:.2f} s"
    return f"{s:.1f} s"


def fmt_range(summary: dict) -> str:
    lo, hi = summary["min"], summary["max"]
    return f"{fmt_seconds(lo)[:-2]}–{fmt_seconds(hi)}"


def fmt_ratio(r: float | None) -> str:
    if r is None:
        return "–"
    return f"{r:.4f}" if r < 0.1 else f"{r:.3f}"


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with aligned columns."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def csv_variant(text: str) -> str:
    """The same CSV spelled differently: the first field of the first data row quoted
    (or unquoted again). Any CSV reader reads the same rows from both.

    >>> csv_variant("a,b\\nx,1\\n")
    'a,b\\n"x",1\\n'
    >>> csv_variant(csv_variant("a,b\\nx,1\\n"))
    'a,b\\nx,1\\n'
    """
    lines = text.split("\n")
    first, sep, rest = lines[1].partition(",")
    if len(first) >= 2 and first.startswith('"') and first.endswith('"') and '"' not in first[1:-1]:
        first = first[1:-1]
    elif '"' not in first and "," not in first:
        first = f'"{first}"'
    else:
        raise ValueError(f"cannot respell the first field {first!r}")
    lines[1] = first + sep + rest
    return "\n".join(lines)


def set_block_param(text: str, block: str, name: str, value) -> str:
    """``params.yaml`` with ``name`` in ``block`` set to ``value`` (the rest byte-identical).

    >>> set_block_param("a:\\n  x: 1\\nb:\\n  x: 1\\n", "b", "x", 2)
    'a:\\n  x: 1\\nb:\\n  x: 2\\n'
    """
    pattern = re.compile(rf"^({re.escape(block)}:[^\n]*\n(?:(?:[ \t][^\n]*|[ \t]*)\n)*?[ \t]+{re.escape(name)}:[ \t]*)([^\s#]+)",
                         re.MULTILINE)
    new, count = pattern.subn(lambda m: f"{m.group(1)}{value}", text, count=1)
    if count != 1:
        raise ValueError(f"no '{name}' in block '{block}'")
    return new


def get_block_param(text: str, block: str, name: str):
    import yaml

    return (yaml.safe_load(text) or {}).get(block, {}).get(name)


def toggle_comment(text: str, marker: str = QMD_MARKER) -> str:
    """Append ``marker`` as a last line, or remove it when it is there.

    >>> toggle_comment(toggle_comment("text\\n")) == "text\\n"
    True
    """
    suffix = marker + "\n"
    if text.endswith("\n" + suffix):
        return text[: -len(suffix)]
    return text + ("" if text.endswith("\n") else "\n") + suffix


# ---------------------------------------------------------------- running things


class BenchError(RuntimeError):
    pass


def copy_project(dest: Path, root: Path = ROOT) -> Path:
    from verzamelbrief.paths import copy_project as copy_tracked

    try:
        copy_tracked(dest, root)
    except RuntimeError as exc:
        raise BenchError(str(exc)) from None
    # This environment stands in for the copy's: a stamp newer than its requirements.
    (dest / ".env-stamp").touch()
    return dest


def copy_env(copy: Path) -> dict:
    env = dict(os.environ)
    env["VERZAMELBRIEF_ROOT"] = str(copy)
    # `make bench` runs us inside make: its flags (jobserver, -j) must not leak into the copy's make
    for key in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR", "GNUMAKEFLAGS"):
        env.pop(key, None)
    # The editable install points at the checkout's src/, which others may be editing while
    # the benchmark runs; the copy's own src/ comes first, so the copy is a consistent snapshot.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy / "src"), env.get("PYTHONPATH")]))
    return env


class MemorySampler(threading.Thread):
    """Sum of the RSS of a process and all its descendants, sampled every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.samples = 0
        self._halt = threading.Event()

    def run(self):
        import psutil

        try:
            parent = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._halt.is_set():
            total = 0
            try:
                procs = [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for p in procs:
                try:
                    total += p.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    pass
            self.peak = max(self.peak, total)
            self.samples += 1
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()


@dataclass
class Result:
    seconds: float
    stdout: str
    stderr: str
    peak_rss: int | None = None
    cpu_seconds: float | None = None  # the command and its descendants (user + system)
    other_cpu_seconds: float | None = None  # everything else on the machine meanwhile
    steal_seconds: float | None = None  # CPU time the hypervisor gave to other guests
    extra: dict = field(default_factory=dict)


def _machine_cpu() -> tuple[float, float]:
    """Machine-wide busy and stolen CPU seconds so far (all cores)."""
    import psutil

    c = psutil.cpu_times()
    busy = c.user + c.nice + c.system + getattr(c, "irq", 0.0) + getattr(c, "softirq", 0.0)
    return busy, getattr(c, "steal", 0.0)


class Meter:
    """Wall-clock time, CPU of the descendants waited for, and what the rest of the machine
    used meanwhile (others' work slows a benchmark on a small machine: it is recorded)."""

    def __enter__(self):
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._self = resource.getrusage(resource.RUSAGE_SELF)
        self._busy, self._steal = _machine_cpu()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        busy, steal = _machine_cpu()
        cpu = lambda a, b: (b.ru_utime - a.ru_utime) + (b.ru_stime - a.ru_stime)  # noqa: E731
        self.cpu_seconds = cpu(self._children, children)
        self.other_cpu_seconds = max(0.0, (busy - self._busy) - self.cpu_seconds - cpu(self._self, own))
        self.steal_seconds = steal - self._steal
        return False


def run_timed(cmd: list[str], cwd: Path, env: dict, sample_memory: bool = False) -> Result:
    """Run ``cmd`` and return its wall-clock time and output; raise BenchError when it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sampler = None
        with Meter() as meter:
            # own session, so an interrupted benchmark can stop exactly the processes it started
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True)
            sampler = MemorySampler(proc.pid) if sample_memory else None
            if sampler:
                sampler.start()
            try:
                rc = proc.wait()
            except BaseException:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
                raise
            finally:
                if sampler:
                    sampler.stop()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if rc != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({rc}):\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return Result(meter.seconds, stdout, stderr, sampler.peak if sampler else None, meter.cpu_seconds,
                  meter.other_cpu_seconds, meter.steal_seconds)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# One notebook, executed as the runner does, with timestamps at each phase. Runs in the
# project copy; prints its measurements as JSON on its last line.
PROFILE_CHILD = r"""
import sys, time
T_ENTER = time.time()
import json
from pathlib import Path
t_imp = time.time()
import yaml
import nbformat
import papermill as pm
from verzamelbrief import run as runner
t_imported = time.time()
source, target, params_file, processed = sys.argv[2:6]
parameters = yaml.safe_load(Path(params_file).read_text(encoding="utf-8")) or {}
parameters["processed_dir"] = processed
marks, cells, started = {}, [], {}

def on_notebook_start(**kw):
    marks.setdefault("kernel_ready", time.time())

def on_cell_start(cell, cell_index, **kw):
    started[cell_index] = time.time()

def on_cell_executed(cell, cell_index, **kw):
    end = time.time()
    first = next((l for l in cell.source.splitlines() if l.strip() and not l.startswith("#|")), "")
    cells.append({"index": cell_index, "tags": list(cell.metadata.get("tags", [])), "first_line": first[:80],
                  "start": started[cell_index], "end": end})

from papermill.clientwrap import PapermillNotebookClient
_cleanup = PapermillNotebookClient._cleanup_kernel

def timed_cleanup(self, *args, **kwargs):  # the kernel's shutdown (nbclient's sync path has no hook for it)
    marks["shutdown_start"] = time.time()
    try:
        return _cleanup(self, *args, **kwargs)
    finally:
        marks["kernel_stopped"] = time.time()

PapermillNotebookClient._cleanup_kernel = timed_cleanup

t_call = time.time()
pm.execute_notebook(source, target, parameters=parameters, cwd=str(runner.paths.ROOT), progress_bar=False,
                    log_output=False, request_save_on_cell_execute=False,
                    kernel_manager_class=runner.kernel_manager_class(),
                    on_notebook_start=on_notebook_start, on_cell_start=on_cell_start,
                    on_cell_executed=on_cell_executed)
t_returned = time.time()
nb = nbformat.read(target, as_version=4)
runner.normalise(nb)
nbformat.write(nb, target)
t_done = time.time()
print(json.dumps({"enter": T_ENTER, "imports_start": t_imp, "imported": t_imported, "call": t_call,
                  "returned": t_returned, "done": t_done, "marks": marks, "cells": cells}))
"""


def profile_phases(raw: dict, spawned: float, exited: float) -> dict:
    """Seconds per phase of one notebook run, from the child's timestamps."""
    cells = sorted(raw["cells"], key=lambda c: c["index"])
    param_cells = [c for c in cells if {"parameters", "injected-parameters"} & set(c["tags"])]
    other = [c for c in cells if c not in param_cells]
    imports, work = other[:1], other[1:]
    kernel_ready = raw["marks"]["kernel_ready"]
    dur = lambda cs: sum(c["end"] - c["start"] for c in cs)  # noqa: E731
    phases = {
        "python_start": raw["enter"] - spawned,
        "runner_imports": raw["imported"] - raw["imports_start"],
        "kernel_start": kernel_ready - raw["call"],
        "parameter_cells": dur(param_cells),
        "import_cell": dur(imports),
        "work_cells": dur(work),
        "between_cells": (raw["marks"]["shutdown_start"] - kernel_ready) - dur(cells),
        "kernel_shutdown": raw["marks"]["kernel_stopped"] - raw["marks"]["shutdown_start"],
        "write": (raw["returned"] - raw["marks"]["kernel_stopped"]) + (raw["done"] - raw["returned"]),
        "python_exit": exited - raw["done"],
    }
    phases["total"] = exited - spawned
    phases["other"] = phases["total"] - sum(v for k, v in phases.items() if k != "total")
    per_cell = [{"index": c["index"], "first_line": c["first_line"], "tags": c["tags"], "seconds": c["end"] - c["start"]}
                for c in cells]
    return {"phases": phases, "cells": per_cell}


PHASE_LABELS = {
    "python_start": "Python start (interpreter, site)",
    "runner_imports": "runner imports (papermill, nbformat, verzamelbrief)",
    "kernel_start": "kernel start (launch, connect, ready)",
    "parameter_cells": "parameter cells",
    "import_cell": "first code cell (imports, parameter check)",
    "work_cells": "the work (remaining cells)",
    "between_cells": "between cells (papermill bookkeeping, kernel_info)",
    "kernel_shutdown": "kernel shutdown",
    "write": "writing the executed notebook",
    "python_exit": "Python exit",
    "other": "unaccounted",
    "total": "total, process start to exit",
}


# ---------------------------------------------------------------- the benchmark


class Bench:
    def __init__(self, copy: Path, repeat: int):
        self.copy = copy
        self.repeat = repeat
        self.env = copy_env(copy)
        self.jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        self.runs: dict[str, list[dict]] = {}
        self.stems = sorted(p.stem for p in (copy / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        self.results: dict = {}
        self.step = 0

    # -- commands
    def make(self, *args: str, sample_memory: bool = False) -> Result:
        cmd = ["make", "-C", str(self.copy), *args, f"PY={PY}", f"ENV={self.copy / '.env-stamp'}"]
        return run_timed(cmd, self.copy, self.env, sample_memory=sample_memory)

    def py(self, *args: str) -> Result:
        return run_timed([PY, *args], self.copy, self.env)

    def record(self, scenario: str, res: Result, **extra) -> dict:
        run = {"seconds": res.seconds, "cpu_seconds": res.cpu_seconds, "other_cpu_seconds": res.other_cpu_seconds,
               "steal_seconds": res.steal_seconds, **parse_build(res.stdout), **extra}
        self.runs.setdefault(scenario, []).append(run)
        self.step += 1
        label = LABELS.get(scenario, scenario).format(jobs=self.jobs).strip()
        ran = run.get("ran")
        what = f"; ran {len(ran)} notebook(s){' + render' if run.get('rendered') else ''}" if ran is not None else ""
        progress(f"  [{self.step}] {label}: {fmt_seconds(res.seconds)}{what}")
        return run

    # -- file edits in the copy
    def write(self, rel: str, text: str) -> None:
        path = self.copy / rel
        path.write_text(text, encoding="utf-8")
        now = time.time()
        os.utime(path, (now, now))

    def read(self, rel: str) -> str:
        return (self.copy / rel).read_text(encoding="utf-8")

    # -- scenarios
    def reset_outputs(self) -> None:
        """What the baseline starts from: no executed notebooks, no processed data."""
        for p in (self.copy / "reports/_executed").glob("*.ipynb"):
            p.unlink()
        processed = self.copy / "data/processed"
        for p in sorted(processed.rglob("*"), reverse=True):
            if p.name == "README.md":
                continue
            p.rmdir() if p.is_dir() else p.unlink()

    def nbconvert_baseline(self) -> None:
        self.reset_outputs()
        out_dir = self.copy / "reports/_executed"
        per_notebook = {}
        with Meter() as meter:
            for nb in sorted((self.copy / "notebooks").glob("[0-9][0-9]_*.ipynb")):
                res = run_timed([PY, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                                 f"--ExecutePreprocessor.kernel_name={KERNEL}", "--output-dir", str(out_dir),
                                 f"notebooks/{nb.name}"], self.copy, self.env)
                per_notebook[nb.stem] = res.seconds
            render = self.py("-m", "verzamelbrief.render", str(self.copy / "reports"))
        self.record("nbconvert_baseline", Result(meter.seconds, "", "", None, meter.cpu_seconds, meter.other_cpu_seconds,
                                                 meter.steal_seconds),
                    per_notebook=per_notebook, render=render.seconds,
                    ran=sorted(per_notebook), rendered=True)

    def cold(self, parallel: bool) -> None:
        self.make("clean")
        args = ["report"] if parallel else ["report", "JOBS=1"]
        res = self.make(*args)
        self.record("cold_parallel" if parallel else "cold_sequential", res)

    def noop(self) -> None:
        self.record("noop", self.make("report"))

    def peak_memory(self) -> None:
        self.make("clean")
        res = self.make("report", sample_memory=True)
        self.results["peak_memory"] = {
            "peak_mib": res.peak_rss / 2**20, "build_seconds": res.seconds, "interval_s": 0.1,
            "method": "summed RSS of make and all its descendants (pages shared between processes count in each, "
                      "so an upper bound), "
                      "sampled every 0.1 s with psutil during one extra cold parallel build",
            "ran": ran_notebooks(res.stdout),
        }
        progress(f"  peak memory of a cold parallel build: {res.peak_rss / 2**20:.0f} MiB")

    def alternate(self, scenario: str, rel: str, variants: list[str]) -> None:
        """Time ``make report`` after writing each variant in turn; restore the original."""
        original = self.read(rel)
        for i in range(self.repeat):
            self.write(rel, variants[i % len(variants)])
            self.record(scenario, self.make("report"))
        if self.read(rel) != original:
            self.write(rel, original)
            self.make("report")  # back to an up-to-date build of the original sources

    def raw_change(self) -> None:
        original = self.read(RAW_FILE)
        self.alternate("raw_change", RAW_FILE, [csv_variant(original), original])

    def param_change(self) -> None:
        original = self.read("params.yaml")
        current = get_block_param(original, TARGET_NOTEBOOK, PARAM_NAME)
        other = PARAM_VALUES[1] if current == PARAM_VALUES[0] else PARAM_VALUES[0]
        self.alternate("param_change", "params.yaml",
                       [set_block_param(original, TARGET_NOTEBOOK, PARAM_NAME, other), original])

    def qmd_change(self) -> None:
        original = self.read(QMD_FILE)
        self.alternate("qmd_change", QMD_FILE, [toggle_comment(original), original])

    def reference(self) -> None:
        executed = self.copy / "reports/_executed"
        for _ in range(self.repeat):
            nb = self.py("-m", "verzamelbrief.run", f"notebooks/{TARGET_NOTEBOOK}.ipynb",
                         str(executed / f"{TARGET_NOTEBOOK}.ipynb"),
                         "--params-file", str(executed / "params" / f"{TARGET_NOTEBOOK}.yaml"))
            render = self.py("-m", "verzamelbrief.render", str(self.copy / "reports"))
            self.record("notebook_alone", nb)
            self.record("render_alone", render)
            self.record("reference_09_render", Result(
                nb.seconds + render.seconds, nb.stdout + render.stdout, "", None, nb.cpu_seconds + render.cpu_seconds,
                nb.other_cpu_seconds + render.other_cpu_seconds, nb.steal_seconds + render.steal_seconds))

    def profile(self) -> None:
        work = self.copy / ".bench-profile"
        work.mkdir(exist_ok=True)
        runs = []
        for _ in range(self.repeat):
            spawned = time.time()
            res = self.py("-c", PROFILE_CHILD, str(spawned), f"notebooks/{TARGET_NOTEBOOK}.ipynb",
                          str(work / f"{TARGET_NOTEBOOK}.ipynb"),
                          str(self.copy / "reports/_executed/params" / f"{TARGET_NOTEBOOK}.yaml"), str(work / "processed"))
            exited = time.time()
            runs.append(profile_phases(json.loads(res.stdout.strip().splitlines()[-1]), spawned, exited))
        phases = {k: summarise([r["phases"][k] for r in runs]) for k in runs[0]["phases"]}
        cells = [{**c, "seconds": statistics.median(r["cells"][i]["seconds"] for r in runs)}
                 for i, c in enumerate(runs[0]["cells"])]
        self.results["profile"] = {"notebook": TARGET_NOTEBOOK, "phases": phases, "cells": cells,
                                   "method": "papermill.execute_notebook as the runner calls it, with nbclient hooks "
                                             "(on_notebook_start, on_cell_start, on_cell_executed) and a timer around the kernel's "
                                             "cleanup time-stamping each phase; median of the runs"}
        progress(f"  profile of {TARGET_NOTEBOOK}: total {fmt_seconds(phases['total']['median'])}")

    def fixed_costs(self) -> None:
        """Costs every step pays, measured alone (evidence for where time could be cut)."""
        tmp = self.copy / ".bench-profile" / "params"
        stems = [p.stem for p in sorted((self.copy / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
        commands = {
            "python_start": ["-c", "pass"],
            "import_papermill": ["-c", "import papermill, nbformat"],
            "import_notebook_stack": ["-c", "import pandas, matplotlib.pyplot, pydantic, verzamelbrief.tables, verzamelbrief.plotting"],
            "validate_raw": ["-m", "verzamelbrief.validate"],
            "split_params": ["-m", "verzamelbrief.run", "--split-params", "params.yaml", str(tmp), *stems, "report"],
        }
        out = {}
        for name, args in commands.items():
            out[name] = summarise([self.py(*args).seconds for _ in range(self.repeat)])
        self.results["fixed_costs"] = out
        progress("  fixed costs: " + ", ".join(f"{k} {fmt_seconds(v['median'])}" for k, v in out.items()))

    def run_all(self) -> None:
        progress("▶ bench: warm-up build")
        self.results["warm_up_seconds"] = self.make("report").seconds
        for i in range(self.repeat):
            progress(f"▶ bench: cold builds and baseline, round {i + 1} of {self.repeat}")
            self.nbconvert_baseline()
            self.cold(parallel=False)
            self.cold(parallel=True)
            self.noop()
        progress("▶ bench: peak memory")
        self.peak_memory()  # leaves a complete build
        progress("▶ bench: one change at a time")
        self.noop()
        self.raw_change()
        self.param_change()
        self.qmd_change()
        progress("▶ bench: reference and profile")
        self.reference()
        self.profile()
        self.fixed_costs()


def machine_facts() -> dict:
    import psutil

    make_version = subprocess.run(["make", "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip())
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_mib": psutil.virtual_memory().total / 2**20,
        "python": platform.python_version(),
        "python_executable": PY,
        "platform": platform.platform(),
        "make": make_version[0] if make_version else None,
        "commit": commit or None,
        "dirty": dirty,
        "load_average_start": os.getloadavg(),
    }


def build_report(bench: Bench, machine: dict, repeat: int) -> dict:
    scenarios = {}
    expected = expected_runs(bench.stems)
    for name, runs in bench.runs.items():
        scenarios[name] = {"label": LABELS.get(name, name).format(jobs=bench.jobs).strip(),
                           **summarise([r["seconds"] for r in runs]),
                           "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in runs),
                           # share of the machine's capacity others used meanwhile (0: the machine was ours)
                           "other_load_median": statistics.median(other_load(r, bench.jobs) for r in runs),
                           "runs": runs}
        if name in expected:
            want, want_render = expected[name]
            scenarios[name]["expected"] = {"ran": want, "rendered": want_render}
            scenarios[name]["as_expected"] = all(sorted(r["ran"]) == sorted(want) and r["rendered"] == want_render
                                                 for r in runs)
    medians = {k: v["median"] for k, v in scenarios.items()}
    return {
        "schema": 1,
        "machine": machine,
        "settings": {"repeat": repeat, "jobs_parallel": bench.jobs, "target_notebook": TARGET_NOTEBOOK,
                     "raw_file": RAW_FILE, "kernel": KERNEL,
                     "notebooks": bench.stems,
                     "copy": "temporary copy of the tracked files (git ls-files --cached), not a git checkout; "
                             "its own src/ first on PYTHONPATH"},
        "scenarios": scenarios,
        "ratios": info_ratios(medians),
        "targets": verdicts(medians),
        **bench.results,
    }


ORDER = ["cold_parallel", "cold_sequential", "nbconvert_baseline", "noop", "raw_change", "param_change", "qmd_change",
         "reference_09_render", "notebook_alone", "render_alone"]


def print_summary(report: dict) -> None:
    m = report["machine"]
    print(f"\nmake bench: {m['date']}, {m['cores_available']} core(s), Python {m['python']}, "
          f"load average at start {m['load_average_start'][0]:.2f}, repeat {report['settings']['repeat']}\n")
    rows = []
    for name in ORDER:
        s = report["scenarios"].get(name)
        if not s:
            continue
        runs = s["runs"]
        ran = runs[0].get("ran")
        what = ""
        if ran is not None and name not in ("reference_09_render", "notebook_alone", "render_alone"):
            what = f"{len(ran)} notebook(s)" + (" + render" if runs[0].get("rendered") else "")
            if s.get("as_expected") is False:
                what += "  (UNEXPECTED)"
        rows.append([s["label"], fmt_seconds(s["median"]), fmt_range(s), str(s["n"]), fmt_seconds(s["cpu_seconds_median"]),
                     f"{100 * s['other_load_median']:.0f} %", what])
    print(format_table(["scenario", "median", "range", "n", "CPU", "others", "ran"], rows))
    print("  (wall-clock seconds; CPU = user + system seconds of the command and its descendants; others = share of\n"
          "   the machine's CPU capacity used by other processes meanwhile; all medians)")
    # (a run shorter than a second is too short for /proc/stat's 10 ms ticks to tell)
    busy = [s["label"] for s in report["scenarios"].values() if s["other_load_median"] > BUSY_LIMIT and s["median"] >= 1]
    if busy:
        print(f"  WARNING: the machine was busy with other work (> {100 * BUSY_LIMIT:.0f} % of its capacity) during: "
              + "; ".join(busy) + ". Those timings, and ratios using them, are inflated; rerun on a quiet machine.")

    for name in ("raw_change", "param_change"):
        s = report["scenarios"].get(name)
        if s:
            print(f"  {name}: ran {', '.join(sorted(s['runs'][0]['ran']))}")

    print("\nTargets (ratio of medians):")
    rows = [[v["description"], fmt_ratio(v["ratio"]), f"≤ {v['limit']}", verdict_text(v)] for v in report["targets"]]
    print(format_table(["target", "ratio", "limit", "verdict"], rows))
    print("\nOther ratios:")
    rows = [[v["description"], fmt_ratio(v["ratio"])] for v in report["ratios"].values()]
    print(format_table(["", "ratio"], rows))

    if "peak_memory" in report:
        print(f"\nPeak memory of a cold parallel build: {report['peak_memory']['peak_mib']:.0f} MiB (summed RSS of make's process tree)")

    if "profile" in report:
        p = report["profile"]
        total = p["phases"]["total"]["median"]
        print(f"\nWhere {p['notebook']}'s time goes (runner path, run alone, median):")
        rows = [[PHASE_LABELS[k], fmt_seconds(v["median"]), f"{100 * v['median'] / total:.0f} %"]
                for k, v in p["phases"].items() if k != "total"]
        rows.append([PHASE_LABELS["total"], fmt_seconds(total), "100 %"])
        print(format_table(["phase", "seconds", "share"], rows))
        print("  cells: " + "; ".join(f"[{c['index']}] {c['first_line'][:40]} {fmt_seconds(c['seconds'])}" for c in p["cells"]))
    if "fixed_costs" in report:
        print("\nFixed costs, each alone: " + ", ".join(f"{k} {fmt_seconds(v['median'])}"
                                                      for k, v in report["fixed_costs"].items()))


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="times each scenario is timed (default 3)")
    parser.add_argument("--quick", action="store_true", help="each scenario once (a smoke run)")
    parser.add_argument("--json", type=Path, default=ROOT / "reports/_build/bench.json", help="where to write the results")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project copy")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    if repeat < 1:
        parser.error("--repeat must be at least 1")

    signal.signal(signal.SIGTERM, _terminate)
    machine = machine_facts()
    copy = Path(tempfile.mkdtemp(prefix="verzamelbrief-bench-")) / "project"
    progress(f"▶ bench: copying the project to {copy} (repeat {repeat})")
    try:
        copy_project(copy)
        bench = Bench(copy, repeat)
        bench.run_all()
    except BenchError as exc:
        print(f"✗ bench: a build failed, no measurement written:\n{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("✗ bench: interrupted; no measurement written", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            progress(f"  kept the copy at {copy}")
        else:
            shutil.rmtree(copy.parent, ignore_errors=True)
    machine["load_average_end"] = os.getloadavg()
    report = build_report(bench, machine, repeat)

    from verzamelbrief.outputs import write_text

    args.json.parent.mkdir(parents=True, exist_ok=True)
    write_text(args.json, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_summary(report)
    print(f"\n✓ bench: results in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
