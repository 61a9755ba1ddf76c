"""Execute notebooks with papermill: ``python -m verzamelbrief.run``.

For each notebook the runner

- reads its parameters from ``params.yaml`` (the block named after the notebook) and
  from ``-p NAME VALUE`` overrides;
- executes it with papermill in the project root, into a temporary file;
- on success strips what differs between runs (timestamps, durations, the injected
  cell's random id) and renames the result into place;
- on failure keeps the failed execution under ``reports/_build/failed/`` and prints
  the notebook, the failing cell and the exception as its last lines.

Progress goes to standard output, one line per notebook.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import secrets
import shutil
import signal
import sys
import time
from pathlib import Path

import yaml

from . import paths
from .outputs import TXN_ENV, OutputError, atomic_path, cannot_write, transaction, write_text

VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "exception", "status")


class NotebookFailed(RuntimeError):
    pass


def kernel_manager_class(runtime_dir: Path | None = None):
    """A kernel manager that starts the kernel on this interpreter, talking over IPC sockets.

    - The kernel runs on ``sys.executable`` (the checkout's own environment), never on the
      interpreter an installed kernel spec names: a spec in a copied ``.venv`` names the
      original's Python by absolute path.
    - Kernels talk over local IPC sockets rather than TCP ports (no open ports, no warning).
    - The connection file and the sockets live in ``runtime_dir``, a folder of this run
      that :func:`execute` removes afterwards, also when the notebook fails or is interrupted.
      Without ``runtime_dir`` each kernel gets a temporary folder of its own, removed
      when the kernel's resources are cleaned up.
    - :func:`execute` stops the kernels it started (:func:`stop_kernels`) before it removes
      their folder. An interrupted run never shuts its kernel down (the interrupt leaves
      nbclient's clean-up unrun), and a kernel that is still starting creates its folder
      again and leaves it behind when it notices its parent has gone.
    - The kernel's ``TMPDIR`` is ``tmp`` in that folder, so whatever a kernel killed at any
      moment was writing there goes with the folder.
    """
    import tempfile

    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self._own_dir = None if runtime_dir else Path(tempfile.mkdtemp(prefix="verzamelbrief-kernel-"))
            folder = runtime_dir or self._own_dir
            # socket files are named <ip>-<port>
            self.ip = str(folder / "ipc")
            self.connection_file = str(folder / "connection.json")
            kernel_tmp = folder / "tmp"
            kernel_tmp.mkdir(exist_ok=True)  # must exist: tempfile would fall back to /tmp
            self._spec = KernelSpec(
                argv=[sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python (verzamelbrief-inburgering)",
                language="python",
                env={"TMPDIR": str(kernel_tmp)},
            )

        @property
        def kernel_spec(self):
            return self._spec

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if self._own_dir and not restart:
                shutil.rmtree(self._own_dir, ignore_errors=True)

        cleanup_resources = _async_cleanup_resources

    return IPCKernelManager


def stop_kernels(folder: Path, timeout: float = 10.0) -> None:
    """Kill every kernel this process started whose connection file lies in ``folder``, with
    the processes it started (each kernel leads a session of its own), and wait for it to end.

    The kernels are found among this process's children by their command line, not through
    jupyter_client's record of them: a signal that arrives while a kernel is being launched
    can unwind before the launcher has returned the process, and that kernel would live on.
    """
    import psutil

    inside = str(folder) + os.sep
    found = []
    for child in psutil.Process().children():
        try:
            if any(arg.startswith(inside) for arg in child.cmdline()):
                found.append(child)
        except psutil.Error:  # ended meanwhile, or a zombie
            continue
    for child in found:
        try:
            if os.getpgid(child.pid) == child.pid:
                os.killpg(child.pid, signal.SIGKILL)
            else:
                child.kill()
        except (ProcessLookupError, PermissionError, psutil.Error):
            pass
    psutil.wait_procs(found, timeout=timeout)


#: The block of ``params.yaml`` that holds the report's own parameters, and their names.
REPORT_BLOCK = "report"
REPORT_KEYS = ("date",)


class ParamsFileError(SystemExit):
    """``params.yaml`` itself is wrong (not its values for one notebook): one line, naming the block."""

    def __init__(self, params_file: Path, message: str):
        super().__init__(f"error: {paths.relative(params_file)}: {message}")


def _read_blocks(params_file: Path) -> dict:
    from .yamlfile import YamlFileError, load

    try:
        data = load(params_file)
    except YamlFileError as exc:
        raise SystemExit(f"error: {exc}") from None
    except OSError as exc:
        raise ParamsFileError(params_file, f"cannot be read: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise ParamsFileError(params_file, "expected blocks named after notebooks")
    return data


#: The folder parameters: the build reads ``data/raw`` and writes ``data/processed`` (what the
#: colophon hashes and make tracks); other folders are for a run of one notebook.
FOLDERS = {"raw_dir": "data/raw", "processed_dir": "data/processed"}


def check_blocks(data: dict, known: list[str], params_file: Path) -> None:
    """Refuse a block that names no notebook (a misspelling would silently use the defaults),
    a block that is not a mapping, a missing or empty ``report`` block, a ``report.date`` that
    is not a date, and folders other than the build's own (see :data:`FOLDERS`)."""
    import datetime

    known = sorted(set(known) | {REPORT_BLOCK})
    for name in data:
        if str(name) not in known:
            raise ParamsFileError(params_file, f"unknown block '{name}'; known blocks: {', '.join(known)}")
        if not isinstance(data[name] or {}, dict):
            raise ParamsFileError(params_file, f"block '{name}' must be a mapping of parameter names to values")
        for key, default in FOLDERS.items():
            value = (data[name] or {}).get(key, default)
            if name != REPORT_BLOCK and value != default:
                raise ParamsFileError(
                    params_file,
                    f"{name}.{key} = {value!r}: the build reads data/raw and writes data/processed (the report, its "
                    f"colophon and make rely on it); use another folder for one run only: "
                    f"python -m verzamelbrief.run notebooks/{name}.ipynb OUT.ipynb -p {key} DIR",
                )
    report = data.get(REPORT_BLOCK)
    if not report:
        raise ParamsFileError(params_file, f"block '{REPORT_BLOCK}' is missing or empty; it sets the report's date: "
                                           f"{REPORT_BLOCK}: {{date: \"2026-11-28\"}}")
    for key in report:
        if key not in REPORT_KEYS:
            raise ParamsFileError(params_file, f"unknown parameter '{REPORT_BLOCK}.{key}'; allowed: {', '.join(REPORT_KEYS)}")
    date = report.get("date")
    try:
        ok = isinstance(date, str) and datetime.date.fromisoformat(date).isoformat() == date
    except ValueError:
        ok = False
    if not ok:
        raise ParamsFileError(params_file, f"{REPORT_BLOCK}.date = {date!r}: not a date written as YYYY-MM-DD, e.g. \"2026-11-28\"")


def report_date(params_file: Path | None = None) -> str:
    """``report.date`` of ``params.yaml``, checked (one line naming the parameter when wrong)."""
    params_file = Path(params_file or paths.PARAMS)
    data = _read_blocks(params_file)
    check_blocks(data, [p.stem for p in paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")], params_file)
    return data[REPORT_BLOCK]["date"]


def notebook_params(stem: str, params_file: Path | None = None) -> dict:
    """The parameter block for notebook ``stem`` in ``params.yaml`` (may be empty)."""
    params_file = Path(params_file or paths.PARAMS)
    if not params_file.exists():
        return {}
    data = _read_blocks(params_file)
    check_blocks(data, [p.stem for p in paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")] + [stem], params_file)
    return dict(data.get(stem) or {})


def split_params(params_file: Path, out_dir: Path, stems: list[str] = ()) -> list[Path]:
    """Write one YAML file per block of ``params_file`` (and an empty one for each of
    ``stems`` without a block), touching only files whose content changed.

    Make gives each executed notebook its own block as a prerequisite, so changing
    one parameter reruns only the notebook it belongs to. A block that names none of
    ``stems`` (a misspelling) is refused before any file is written.
    """
    data = _read_blocks(params_file)
    if stems:
        check_blocks(data, list(stems), params_file)
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for stem in sorted(set(data) | set(stems)):
        block = data.get(stem) or {}
        if not isinstance(block, dict):
            raise ParamsFileError(params_file, f"block '{stem}' must be a mapping of parameter names to values")
        text = yaml.safe_dump(block, sort_keys=True, allow_unicode=True)
        target = out_dir / f"{stem}.yaml"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            write_text(target, text)
            written.append(target)
    return written


def normalise(nb) -> None:
    """Remove what differs between two executions of the same notebook."""
    meta = nb.metadata.get("papermill", {})
    for key in VOLATILE_NOTEBOOK_KEYS:
        meta.pop(key, None)
    meta.pop("input_path", None)
    meta.pop("output_path", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        # papermill adds an empty tag list to every cell; Quarto turns it into an HTML
        # attribute whose order among the others varies between renders
        if cell.metadata.get("tags") == []:
            cell.metadata.pop("tags")
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            # a DataFrame's HTML view (it has a text/plain twin): the report never embeds
            # it, and any text/html output makes Quarto load jQuery and require.js from a CDN
            if "text/html" in data and "text/plain" in data:
                del data["text/html"]
        pm = cell.metadata.get("papermill")
        if pm is not None:
            for key in VOLATILE_NOTEBOOK_KEYS:
                pm.pop(key, None)
            if not pm:
                cell.metadata.pop("papermill")
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"


def _temporary_folder() -> Path:
    """``tempfile.gettempdir()``, with SIGINT and SIGTERM held back meanwhile.

    Python's first look at the temporary folder writes a file there and removes it; a signal
    that arrived just after the file was opened left it behind (seen in a build interrupted
    while two notebooks were starting). A held-back signal arrives once the look is over.
    """
    import tempfile

    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        return Path(tempfile.gettempdir())
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


#: The longest path of a kernel's IPC socket: the socket address holds 108 bytes on Linux and
#: 104 on macOS, the final NUL included.
SOCKET_PATH_MAX = 107 if sys.platform.startswith("linux") else 103


def execute(source: Path, target: Path, parameters: dict, kernel: str | None = None) -> float:
    """Execute ``source`` into ``target``; return the seconds taken.

    The executed notebook and every file the notebook writes through
    :mod:`verzamelbrief.outputs` form one transaction: they are renamed into place
    together when the notebook succeeds, and discarded when it fails or is interrupted.
    Every name used (staged files, the transaction's list, the kernel's folder) is unique
    to this run.
    """
    start = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get(TXN_ENV)
    os.environ["VERZAMELBRIEF_ROOT"] = str(paths.ROOT)  # the kernel works on the same checkout
    base = _temporary_folder()
    longest_socket = base / f"verzamelbrief-kernel-{'x' * 8}" / "ipc-99"
    if len(os.fsencode(longest_socket)) > SOCKET_PATH_MAX:
        raise NotebookFailed(f"{paths.relative(source)}: the temporary folder {base} is too long for the kernel's "
                             f"sockets ({len(os.fsencode(longest_socket))} bytes, at most {SOCKET_PATH_MAX}); "
                             f"set a shorter TMPDIR, e.g. TMPDIR=/tmp")
    runtime_dir = None
    try:
        while runtime_dir is None:
            # named before it is made: a signal that arrives just after the folder is made finds it named
            runtime_dir = base / f"verzamelbrief-kernel-{secrets.token_hex(4)}"
            try:
                runtime_dir.mkdir(mode=0o700)
            except FileExistsError:  # another run's folder: not this run's to remove
                runtime_dir = None
        # inside the try: building the class imports jupyter_client, long enough for a signal
        manager_class = kernel_manager_class(runtime_dir)
        with transaction(target.parent / f".{target.stem}.txn") as txn:
            os.environ[TXN_ENV] = str(txn.manifest)
            with atomic_path(target) as tmp:
                _papermill(source, tmp, target, parameters, kernel, manager_class, txn)
    finally:
        if runtime_dir is not None:
            stop_kernels(runtime_dir)  # before the folder goes: a live kernel would make it again
            shutil.rmtree(runtime_dir, ignore_errors=True)
        if previous is None:
            os.environ.pop(TXN_ENV, None)
        else:
            os.environ[TXN_ENV] = previous
    return time.monotonic() - start


#: Where an executed notebook records the files it wrote (path → SHA-256), so a later build
#: notices when another run changed them (:func:`verzamelbrief.buildlock.stale_notebooks`).
from .buildlock import OUTPUTS_KEY  # noqa: E402  (one name for writer and checker)


def _written(txn, target: Path) -> dict[str, str]:
    """The files the notebook wrote in ``txn`` (staged, not yet in place), with their SHA-256."""
    import hashlib

    found = {}
    for tmp, final in txn.entries():
        if final != target.resolve() and tmp.exists():
            found[paths.relative(final)] = hashlib.sha256(tmp.read_bytes()).hexdigest()
    return dict(sorted(found.items()))


def _save_failed(tmp: Path, target: Path) -> Path:
    failed = paths.BUILD / "failed" / target.name
    try:
        failed.parent.mkdir(parents=True, exist_ok=True)
        if tmp.exists() and tmp.stat().st_size:
            shutil.copyfile(tmp, failed)
    except OSError:
        pass  # the failure itself is what matters; the message says where the copy would be
    return failed


def skip_slow_imports() -> None:
    """Keep ``rfc3987_syntax`` from loading with nbformat.

    jsonschema (under nbformat) imports it when it is installed, and JupyterLab's
    jupyter-events brings it; its import builds a grammar, which took 2–3 s of every
    notebook run here. Notebooks are never validated against IRI formats, and jsonschema
    does without the module (it catches the ImportError)."""
    sys.modules.setdefault("rfc3987_syntax", None)


def _papermill(source: Path, tmp: Path, target: Path, parameters: dict, kernel: str | None, manager_class,
               txn=None) -> None:
    """Run papermill into ``tmp``, then strip what differs between runs."""
    skip_slow_imports()
    import nbformat
    import papermill as pm
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    # every failure is reported below in one line; papermill's log would repeat it around that line
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    try:
        pm.execute_notebook(
            str(source),
            str(tmp),
            parameters=parameters,
            cwd=str(paths.ROOT),
            kernel_name=kernel,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=True,  # so a kernel that dies leaves what ran
            kernel_manager_class=manager_class,
            # every output is collected by then: skip the graceful shutdown's wait (~0.6 s)
            shutdown_kernel="immediate",
        )
    except PapermillExecutionError as exc:
        failed = _save_failed(tmp, target)
        raise NotebookFailed(_failure_message(source, exc, failed)) from None
    except DeadKernelError:
        failed = _save_failed(tmp, target)
        cell = _running_cell(tmp)
        raise NotebookFailed(
            f"{paths.relative(source)}: the kernel died{f' in cell {cell}' if cell else ''} (killed, or out of memory); "
            f"failed execution saved as {paths.relative(failed)}") from None
    nb = nbformat.read(tmp, as_version=4)
    normalise(nb)
    if txn is not None:
        nb.metadata[OUTPUTS_KEY] = {"outputs": _written(txn, target)}
    nbformat.write(nb, tmp)


def _running_cell(tmp: Path) -> int | None:
    """The execution count of the cell that started and never got its reply (in the saved copy)."""
    import json

    try:
        cells = json.loads(tmp.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None
    for i, cell in enumerate(cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" not in timing:
            return cell.get("execution_count") or i
    return None


def _failure_message(source: Path, exc, failed: Path) -> str:
    """Where it failed and why, ending with the exception (the lines make shows last)."""
    cell = exc.exec_count if exc.exec_count is not None else exc.cell_index
    lines = [f"{paths.relative(source)}: cell {cell} failed"]
    lines += [f"    {line}" for line in failing_lines(exc.source or "", exc.traceback or [])]
    lines.append(f"  failed execution saved as {paths.relative(failed)}")
    evalue = (exc.evalue or "").strip().splitlines() or [""]
    lines += [f"  {exc.ename}: {evalue[0]}"] + [f"  {line}" for line in evalue[1:]]
    return "\n".join(lines)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CELL_LINE = re.compile(r"Cell In\[\d*\], line (\d+)")


def failing_lines(source: str, traceback: list[str]) -> list[str]:
    """The line of the cell that raised (with the one before it), found in IPython's
    traceback ("Cell In[5], line 12"); the cell's first lines when it names none."""
    code = source.splitlines()
    numbers = [int(m.group(1)) for chunk in traceback for m in _CELL_LINE.finditer(_ANSI.sub("", chunk))]
    if numbers and 1 <= numbers[0] <= len(code):
        n = numbers[0]  # the cell's own frame: the line that raised or called what raised
        shown = [(i, code[i - 1]) for i in (n - 1, n) if i >= 1 and code[i - 1].strip() and not code[i - 1].startswith("#|")]
        return [f"{'>' if i == n else ' '} line {i}: {text.strip()}" for i, text in shown]
    return [line for line in code if line.strip() and not line.startswith("#|")][:3]


def _terminate(signum, frame):
    """SIGTERM unwinds like Ctrl-C, so staged files are removed and outputs stay as they were.

    Only the first signal unwinds: a build killed as a process group gets SIGTERM from the
    killer and again from each parent that passes it on (buildlog, buildlock), and a second
    KeyboardInterrupt raised inside the clean-up would leave its files behind.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


def _parse_value(text: str):
    from .yamlfile import YamlFileError, loads

    try:
        value = loads(text, "-p")
    except YamlFileError:
        return text
    return text if value is None and text not in ("null", "~") else value


def is_build_target(source: Path, target: Path) -> bool:
    """True when ``target`` is the executed notebook the build makes from ``source``."""
    return target.resolve() == (paths.EXECUTED / source.name).resolve()


def run_parameters(source: Path, target: Path, params_file: Path | None, overrides: dict) -> tuple[dict, str | None]:
    """The parameters of one run, and a line to show about where its outputs go.

    The build's own executed notebook (``reports/_executed/NAME.ipynb``) runs with its block of
    ``params.yaml`` only: ``-p`` would make it disagree with ``params.yaml`` unnoticed. Any
    other output is a run of its own, whose tables and figures go beside it
    (``OUT_processed/``) unless ``-p processed_dir DIR`` says otherwise, so it never rewrites
    the project's ``data/processed``.
    """
    from .yamlfile import YamlFileError, load

    build = is_build_target(source, target)
    if build and overrides:
        raise SystemExit(
            f"error: -p {' '.join(overrides)}: {paths.relative(target)} is the build's own notebook, which runs with "
            f"params.yaml; change params.yaml, or run into another file: "
            f"python -m verzamelbrief.run {paths.relative(source)} /tmp/{source.name} -p NAME VALUE")
    if params_file:
        try:
            parameters = load(params_file) or {}
        except YamlFileError as exc:
            raise SystemExit(f"error: {exc}") from None
        if not isinstance(parameters, dict):
            raise SystemExit(f"error: {paths.relative(params_file)}: expected parameter names and values")
    else:
        parameters = notebook_params(source.stem)
    parameters.update(overrides)
    note = None
    if not build and "processed_dir" not in parameters:
        out = target.resolve().with_name(f"{target.stem}_processed")
        parameters["processed_dir"] = str(out)
        note = (f"  {source.stem}: tables and figures → {paths.relative(out)} "
                f"(the build's data/processed stays as it is; -p processed_dir DIR to choose)")
    return parameters, note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute project notebooks with papermill.")
    parser.add_argument("notebook", type=Path, nargs="?", help="source notebook, e.g. notebooks/09_bib_examenmonitor.ipynb")
    parser.add_argument("output", type=Path, nargs="?", help="executed copy (default: reports/_executed/<name>.ipynb)")
    parser.add_argument("-f", "--params-file", type=Path, help="YAML file of parameters for this notebook")
    parser.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    parser.add_argument("-k", "--kernel", default=None, help="kernel name recorded in the executed notebook (default: the notebook's); "
                        "the kernel always runs on this interpreter")
    parser.add_argument("--split-params", nargs="+", metavar="ARG",
                        help="PARAMS_YAML OUT_DIR [STEM ...]: write one parameter file per notebook and exit")
    args = parser.parse_args(argv)

    if args.split_params:
        params_yaml, out_dir, *stems = args.split_params
        split_params(Path(params_yaml), Path(out_dir), stems)
        return 0
    if args.notebook is None:
        parser.error("a notebook is required")
    foreign = paths.foreign_package()
    if foreign:
        print(foreign, file=sys.stderr)
        return 1
    source = args.notebook
    target = args.output or paths.EXECUTED / source.name
    if not source.is_file():
        print(f"error: {source}: no such notebook", file=sys.stderr)
        return 1
    parameters, note = run_parameters(source, target, args.params_file,
                                      {name: _parse_value(value) for name, value in args.param})
    if note:
        print(note, flush=True)

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    print(f"▶ {source.stem}: running", flush=True)
    try:
        seconds = execute(source, target, parameters, args.kernel)
    except NotebookFailed as exc:
        print(f"✗ {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print(f"✗ {source.stem}: interrupted; previous outputs left as they were", file=sys.stderr, flush=True)
        return 130
    except OSError as exc:  # outputs.OutputError and the like: one line, previous outputs intact
        print(f"✗ {source.stem}: {exc if isinstance(exc, OutputError) else cannot_write(target, exc)}; "
              f"previous outputs left as they were", file=sys.stderr, flush=True)
        return 1
    print(f"✓ {source.stem}: done in {seconds:.1f} s → {paths.relative(target)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
