"""One build at a time per checkout: ``python3 src/verzamelbrief/buildlock.py LOCK -- make …``.

``make`` runs every build goal through this script (standard library only, so it works
before the environment exists). It

- takes an exclusive lock on ``LOCK`` (``fcntl.flock``); while another build of the same
  checkout holds it, it says so in one line and waits for that build to finish;
- with the lock held, removes what an interrupted or killed build can leave behind:
  staged temporary files (``.NAME.XXXX.tmp.EXT``), transaction lists (``.NAME.txn.XXXX``)
  and executed notebooks that are not complete notebooks (an empty or
  cut-off ``reports/_executed/*.ipynb`` would otherwise look up to date to make);
- runs the command and returns its exit status.

The lock is released when the command ends, however it ends (the kernel drops it when
the process exits), so a killed build never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

#: Folders where builds stage temporary files beside their targets.
STAGING_DIRS = ("reports/_executed", "reports/_build", "data/processed")


def is_notebook(path: Path) -> bool:
    """True when ``path`` holds a complete Jupyter notebook (parseable nbformat-4 JSON with cells)."""
    try:
        nb = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(nb, dict) and nb.get("nbformat") == 4 and isinstance(nb.get("cells"), list) and bool(nb["cells"])


def clean_leftovers(root: Path) -> list[str]:
    """Remove staged files of unfinished builds and executed notebooks that are not notebooks.

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
    if executed.is_dir():
        for nb in sorted(executed.glob("*.ipynb")):
            if not is_notebook(nb):
                nb.unlink(missing_ok=True)
                messages.append(f"{nb.relative_to(root).as_posix()}: not a complete notebook (empty or cut off); it is rebuilt")
    return messages


def _holder(lock_path: Path) -> str:
    try:
        pid = lock_path.read_text(encoding="ascii").strip()
    except OSError:
        pid = ""
    return f" (pid {pid})" if pid.isdigit() else ""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 3 or argv[1] != "--":
        print("usage: buildlock.py LOCKFILE -- COMMAND [ARG ...]", file=sys.stderr)
        return 2
    lock_path, command = Path(argv[0]), argv[2:]
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by the command (PEP 446)
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

    root = Path.cwd()
    for message in clean_leftovers(root):
        print(f"make: {message}", file=sys.stderr, flush=True)

    # Ctrl-C reaches the whole process group, make included; make decides what to do.
    # A SIGTERM sent to this process alone is passed on to make.
    child = subprocess.Popen(command, close_fds=False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signum))
    rc = child.wait()
    return 128 - rc if rc < 0 else rc


if __name__ == "__main__":
    sys.exit(main())
