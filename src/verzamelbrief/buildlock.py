"""One build at a time per checkout: ``PY src/verzamelbrief/buildlock.py LOCK [--python PY] -- make …``.

``make`` runs every build goal through this script (standard library only, so it works
before the environment exists), on the environment's interpreter ``PY`` when that can be
executed, else on the system's ``python3``. It

- stops with one line when ``PY`` exists but cannot be executed (a ``.venv`` copied from
  a machine or folder whose Python is not there), and points the environment's Jupyter
  kernel spec at ``PY`` when it names another interpreter (a ``.venv`` copied with
  ``cp -a`` names the original's);
- takes an exclusive lock on ``LOCK`` (``fcntl.flock``); while another build of the same
  checkout holds it, it says so in one line and waits for that build to finish;
- with the lock held, removes what an interrupted or killed build can leave behind:
  staged temporary files (``.NAME.XXXX.tmp.EXT``), transaction lists (``.NAME.txn.XXXX``)
  and executed notebooks that are not complete notebooks (an empty or
  cut-off ``reports/_executed/*.ipynb`` would otherwise look up to date to make);
- removes executed notebooks that no longer match what made them: one whose source in
  ``notebooks/`` is gone (with the processed files it wrote), and one whose processed files
  were changed since (another run wrote into ``data/processed``), so make runs it again;
- refuses, in one line, a notebook or raw file whose name is not plain (letters, digits,
  ``_ - .``): make and the shell get no name that could split a word or run a command;
- runs the command and returns its exit status.

The lock is held on an open file that the command inherits (make, its recipes, the
notebooks' runners), so it is released only when every part of the build has ended,
however it ends: a killed wrapper leaves make holding it, and a second build waits for it;
a killed build never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

#: The key under which an executed notebook records the files it wrote (see verzamelbrief.run).
OUTPUTS_KEY = "verzamelbrief"
#: Set for the command: the lock file this build holds (a nested wrapper must not wait for it).
HELD_ENV = "VERZAMELBRIEF_LOCK_HELD"
#: A plain file name: what make and the shell can be given without quoting.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")

#: Folders where builds stage temporary files beside their targets.
STAGING_DIRS = ("reports/_executed", "reports/_build", "data/processed")


def _load_notebook(path: Path) -> dict | None:
    """The notebook at ``path`` when it is complete (parseable nbformat-4 JSON with cells)."""
    try:
        nb = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    ok = isinstance(nb, dict) and nb.get("nbformat") == 4 and isinstance(nb.get("cells"), list) and bool(nb["cells"])
    return nb if ok else None


def is_notebook(path: Path) -> bool:
    """True when ``path`` holds a complete Jupyter notebook (parseable nbformat-4 JSON with cells)."""
    return _load_notebook(path) is not None


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def clean_leftovers(root: Path) -> list[str]:
    """Remove staged files of unfinished builds and executed notebooks that cannot be trusted:
    not a complete notebook, its source notebook gone, or its processed files changed since.

    Only safe with the build lock held: then no other build is writing.
    Returns one message per executed notebook removed.
    """
    messages = []
    for folder in STAGING_DIRS:
        base = root / folder
        if not base.is_dir():
            continue
        for p in base.rglob(".*"):
            name = p.name
            if p.is_file() and (".tmp" in name or ".txn" in name):
                p.unlink(missing_ok=True)
    executed = root / "reports" / "_executed"
    if not executed.is_dir():
        return messages
    for nb_path in sorted(executed.glob("*.ipynb")):
        rel = nb_path.relative_to(root).as_posix()
        nb = _load_notebook(nb_path)
        outputs = ((nb or {}).get("metadata", {}).get(OUTPUTS_KEY) or {}).get("outputs") or {}
        if nb is None:
            reason = "not a complete notebook (empty or cut off); it is rebuilt"
        elif not (root / "notebooks" / nb_path.name).is_file():
            for out in outputs:  # generated files of a notebook that no longer exists
                if (root / out).resolve().is_relative_to((root / "data" / "processed").resolve()):
                    (root / out).unlink(missing_ok=True)
            reason = f"its source notebooks/{nb_path.name} is gone; removed with the files it wrote"
        else:
            changed = [out for out, digest in outputs.items() if _sha256(root / out) != digest]
            if not changed:
                continue
            reason = (f"{changed[0]}{f' and {len(changed) - 1} more' if len(changed) > 1 else ''} changed since it "
                      f"ran (another run wrote there?); it runs again")
        nb_path.unlink(missing_ok=True)
        messages.append(f"{rel}: {reason}")
    return messages


def odd_names(root: Path) -> list[str]:
    """One error line per notebook or raw file whose name make and the shell cannot take as it is."""
    found = []
    for folder, pattern in (("notebooks", "*.ipynb"), ("data/raw", "*")):
        base = root / folder
        for p in sorted(base.glob(pattern)) if base.is_dir() else []:
            if not PLAIN_NAME.fullmatch(p.name):
                found.append(f"error: {folder}/{p.name!r}: a file name here may hold only letters, digits and _ - . "
                             f"(no spaces, quotes or other signs); rename it")
    return found


def repair_kernel_spec(name: str = "verzamelbrief-inburgering") -> str | None:
    """Point the running environment's kernel spec ``name`` at the running interpreter.

    ``ipykernel install --sys-prefix`` writes the interpreter's absolute path, so in a copied
    ``.venv`` JupyterLab would start the original's Python. Returns a message when the spec
    was changed. (The build itself starts its kernels on its own interpreter.)
    """
    spec = Path(sys.prefix) / "share" / "jupyter" / "kernels" / name / "kernel.json"
    try:
        data = json.loads(spec.read_text(encoding="utf-8"))
        argv = data["argv"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not argv or Path(argv[0]) == Path(sys.executable) or Path(argv[0]).is_relative_to(sys.prefix):
        return None  # this environment's own interpreter (python, python3, …)
    old, argv[0] = argv[0], sys.executable
    tmp = spec.with_name(f".{spec.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, spec)
    return f"env: kernel spec {name} named {old}; now {sys.executable}"


def check_python(python: str | None) -> str | None:
    """A one-line error when the environment's interpreter exists but cannot be executed."""
    if not python:
        return None
    path = Path(python)
    if (path.exists() or path.is_symlink()) and not os.access(path, os.X_OK):
        return f"error: {python} does not work in this checkout; recreate the environment: rm -rf .venv && make env"
    return None


def _holder(lock_path: Path) -> str:
    try:
        pid = lock_path.read_text(encoding="ascii").strip()
    except OSError:
        pid = ""
    return f" (pid {pid})" if pid.isdigit() else ""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    python = None
    if len(argv) > 2 and argv[1] == "--python":
        python = argv[2]
        del argv[1:3]
    if len(argv) < 3 or argv[1] != "--":
        print("usage: buildlock.py LOCKFILE [--python PY] -- COMMAND [ARG ...]", file=sys.stderr)
        return 2
    lock_path, command = Path(argv[0]), argv[2:]
    held = os.environ.get(HELD_ENV)
    if held and held == str(lock_path.resolve()):
        # a build of this checkout inside one that holds the lock (make did not recognise
        # itself): waiting would wait for ourselves; the lock is ours already
        return subprocess.call(command)
    problem = check_python(python)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if python and Path(python).absolute() == Path(sys.executable).absolute():
        message = repair_kernel_spec()
        if message:
            print(message, flush=True)
    root = Path.cwd()
    odd = odd_names(root)
    if odd:
        print("\n".join(odd), file=sys.stderr)
        return 2
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        print(f"error: {lock_path}: cannot write the build lock: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(
            f"make: another build is running in this checkout{_holder(lock_path)}; "
            f"waiting for it to finish (Ctrl-C stops waiting)",
            file=sys.stderr,
            flush=True,
        )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except KeyboardInterrupt:
            print("make: stopped waiting; nothing was changed", file=sys.stderr)
            return 130
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)

    for message in clean_leftovers(root):
        print(f"make: {message}", file=sys.stderr, flush=True)

    # Ctrl-C reaches the whole process group, make included; make decides what to do.
    # A SIGTERM sent to this process alone is passed on to make.
    # The command inherits the locked file (the same open file description): the lock lasts
    # until every process that holds it has ended, this one, make and make's recipes alike.
    os.set_inheritable(fd, True)
    child = subprocess.Popen(command, close_fds=False, env={**os.environ, HELD_ENV: str(lock_path.resolve())})
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signum))
    rc = child.wait()
    return 128 - rc if rc < 0 else rc


if __name__ == "__main__":
    sys.exit(main())
