"""Writing generated files atomically: a temporary file beside the target, then a rename.

An interrupted build therefore never leaves a half-written file at a final path.

Several files that belong together (a notebook's processed tables and figures and the
executed notebook itself; the report's HTML and PDF) can be written as one
:class:`Transaction`: every file is staged beside its target and all are renamed into
place only when the whole step succeeded. A notebook run by :mod:`verzamelbrief.run`
writes inside such a transaction through the environment variable ``VERZAMELBRIEF_TXN``,
so a notebook that fails half-way leaves the previous outputs exactly as they were.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported by the caller; importing it here would slow every process
    import pandas as pd

TXN_ENV = "VERZAMELBRIEF_TXN"


class OutputError(OSError):
    """An output that may not or cannot be written: one line naming the file and why."""

    def _render_traceback_(self):  # IPython (and so papermill) shows the message, not a traceback
        return [f"{type(self).__name__}: {self}"]


def cannot_write(path: Path | str, exc: OSError) -> OutputError:
    """The one line for a file that could not be written (read-only folder, disk full, …)."""
    from . import paths

    return OutputError(f"{paths.relative(path)}: cannot write: {exc.strerror or exc}")


def refuse_raw(path: Path | str) -> None:
    """Refuse every target in raw data (:func:`verzamelbrief.paths.is_raw`): nothing in
    ``data/raw`` is ever written, whatever a parameter says."""
    from . import paths

    if paths.is_raw(Path(path).parent):
        raise OutputError(f"{paths.relative(path)}: not written: data/raw (raw data) is read-only; "
                          "outputs go to data/processed or another folder")


def _temp_beside(path: Path) -> Path:
    """A new temporary file beside ``path`` (never in raw data, see :func:`refuse_raw`)."""
    refuse_raw(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    os.close(fd)
    os.chmod(tmp, 0o644)
    return Path(tmp)


class Transaction:
    """Files staged beside their targets, renamed into place together by :meth:`commit`.

    The list of staged files is kept in ``manifest`` (one JSON line per file), so a
    transaction can be shared with another process (the notebook's kernel).
    """

    def __init__(self, manifest: Path | str):
        self.manifest = Path(manifest)

    @classmethod
    def current(cls) -> "Transaction | None":
        env = os.environ.get(TXN_ENV)
        return cls(env) if env else None

    def stage(self, path: Path) -> Path:
        tmp = _temp_beside(path)
        with open(self.manifest, "a", encoding="utf-8") as fh:
            fh.write(json.dumps([str(tmp), str(path.resolve())]) + "\n")
        return tmp

    def entries(self) -> list[tuple[Path, Path]]:
        if not self.manifest.exists():
            return []
        return [tuple(map(Path, json.loads(line))) for line in self.manifest.read_text(encoding="utf-8").splitlines() if line]

    def commit(self) -> list[Path]:
        done = []
        for tmp, final in self.entries():
            if tmp.exists():
                try:
                    os.replace(tmp, final)
                except OSError as exc:
                    raise cannot_write(final, exc) from None
                done.append(final)
        self.manifest.unlink(missing_ok=True)
        return done

    def abort(self) -> None:
        for tmp, _final in self.entries():
            tmp.unlink(missing_ok=True)
        self.manifest.unlink(missing_ok=True)


@contextlib.contextmanager
def transaction(manifest: Path | str):
    """Run a block as one transaction: commit on success, abort on any exception.

    The list of staged files is ``manifest`` with a suffix unique to this run
    (``.NAME.txn.XXXXXXXX``), so two runs never share (and never commit) each other's files.
    """
    manifest = Path(manifest)
    try:
        manifest.parent.mkdir(parents=True, exist_ok=True)
        fd, unique = tempfile.mkstemp(prefix=f"{manifest.name}.", dir=manifest.parent)
    except OSError as exc:
        raise cannot_write(manifest.parent, exc) from None
    os.close(fd)
    txn = Transaction(unique)
    try:
        yield txn
    except BaseException:
        txn.abort()
        raise
    txn.commit()


@contextlib.contextmanager
def atomic_path(path: Path | str, txn: Transaction | None = None):
    """Yield a temporary path in ``path``'s folder; rename it to ``path`` on success.

    Inside a transaction (``txn``, or ``VERZAMELBRIEF_TXN`` set) the rename waits for
    the transaction's commit.
    """
    path = Path(path)
    txn = txn or Transaction.current()
    tmp = txn.stage(path) if txn else _temp_beside(path)
    try:
        try:
            yield tmp
            if not txn:
                os.replace(tmp, path)
        except OutputError:
            raise
        except OSError as exc:
            if exc.filename is not None and Path(exc.filename) not in (tmp, path):
                raise  # about another file (one being read, say): not this output's fault
            raise cannot_write(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: Path | str, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: Path | str, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_csv(df: "pd.DataFrame", path: Path | str) -> Path:
    """Write a processed table as UTF-8 CSV with ``\\n`` line ends and no index.

    The table is first checked against its output contract (:mod:`verzamelbrief.contracts`:
    shares within their range, parts within wholes, no missing figures); a table that
    breaks it is not written and :class:`~verzamelbrief.contracts.OutputContractError` names
    the file, row, column and rule.
    """
    from .contracts import check

    refuse_raw(path)
    check(df, path)
    return write_text(path, df.to_csv(index=False, lineterminator="\n"))
