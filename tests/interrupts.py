"""Notebook runs interrupted at the narrow moments a build stopped under load hit, in a process
of their own: ``python tests/interrupts.py FOLDER`` prints one JSON object, a result per case.

Each case patches process-wide state (``tempfile``, ``os.mkdir``, ``os.open``, jupyter_client's
launcher, the signal handlers); in a test worker that would reach the notebook runs other
tests have going in background threads. Each case runs :func:`verzamelbrief.run.execute` on a
one-cell notebook that shows its kernel's temporary folder, with the kernel folder made in a
folder of the case's own, and reports what the run raised and what it left there.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import nbformat

from verzamelbrief import run

KERNEL = {"name": "verzamelbrief-inburgering", "display_name": "Python", "language": "python"}


def notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import tempfile\ntempfile.gettempdir()")])
    nb.metadata["kernelspec"] = KERNEL
    nbformat.write(nb, path)
    return path


@contextmanager
def temporary_folder(folder: Path | None):
    """``tempfile``'s folder set to ``folder`` (None: looked up again from ``TMPDIR``)."""
    saved = tempfile.tempdir
    tempfile.tempdir = None if folder is None else str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved


def attempt(source: Path, out: Path) -> dict:
    """Run ``source``; what it raised, and what its kernel showed when it ran."""
    try:
        run.execute(source, out / source.name, {})
    except (KeyboardInterrupt, Exception) as exc:  # each case reports its own; the next runs
        return {"raised": type(exc).__name__, "message": str(exc)}
    shown = nbformat.read(out / source.name, as_version=4).cells[0].outputs[0]["data"]["text/plain"]
    return {"raised": None, "shown": shown}


def left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def kernel_temp(source: Path, base: Path, out: Path) -> dict:
    """An ordinary run: where its kernel's temporary files go."""
    with temporary_folder(base):
        return attempt(source, out) | {"left": left(base)}


def too_long(source: Path, base: Path, out: Path) -> dict:
    deep = base / ("d" * 80)
    deep.mkdir()
    with temporary_folder(deep):
        return attempt(source, out) | {"left": left(deep)}


def first_look(source: Path, base: Path, out: Path) -> dict:
    """A real SIGTERM, with the runner's own handler, just after Python's first look at the
    temporary folder opened its probe file."""
    real_open = os.open

    def open_then_signal(path, *args, **kwargs):
        fd = real_open(path, *args, **kwargs)
        if Path(path).parent == base:
            os.kill(os.getpid(), signal.SIGTERM)
        return fd

    handlers = {sig: signal.signal(sig, run._terminate) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with (
            temporary_folder(None),
            mock.patch.dict(os.environ, {"TMPDIR": str(base)}),
            mock.patch.object(os, "open", open_then_signal),
        ):
            result = attempt(source, out)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return result | {"left": left(base)}


def folder_made(source: Path, base: Path, out: Path) -> dict:
    """A signal just after the kernel folder was made."""
    real_mkdir = os.mkdir

    def mkdir_then_signal(path, *args, **kwargs):
        real_mkdir(path, *args, **kwargs)
        if Path(path).name.startswith("verzamelbrief-kernel-"):
            raise KeyboardInterrupt("signal 15")

    with temporary_folder(base), mock.patch.object(os, "mkdir", mkdir_then_signal):
        return attempt(source, out) | {"left": left(base)}


def kernel_launch(source: Path, base: Path, out: Path) -> dict:
    """A signal after the kernel started, before jupyter_client's launcher returned it."""
    from jupyter_client.provisioning import local_provisioner

    started = []
    real_launch = local_provisioner.launch_kernel

    def launch_then_signal(*args, **kwargs):
        started.append(real_launch(*args, **kwargs))
        raise KeyboardInterrupt("signal 15")

    try:
        with temporary_folder(base), mock.patch.object(local_provisioner, "launch_kernel", launch_then_signal):
            result = attempt(source, out)
        running = [p.pid for p in started if p.poll() is None]
        return result | {"started": len(started), "still_running": running, "left": left(base)}
    finally:
        for process in started:
            process.kill()


CASES = {f.__name__.replace("_", " "): f for f in (kernel_temp, too_long, first_look, folder_made, kernel_launch)}


def main(folder: Path) -> int:
    results = {}
    for name, case in CASES.items():
        work = folder / name.replace(" ", "-")
        base, out = work / "tmp", work / "out"
        base.mkdir(parents=True)
        results[name] = {"base": str(base)} | case(notebook(work / "tiny.ipynb"), base, out)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
