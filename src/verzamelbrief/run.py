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
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import yaml

from . import paths
from .outputs import TXN_ENV, atomic_path, transaction, write_text

VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "exception", "status")


class NotebookFailed(RuntimeError):
    pass


def kernel_manager_class():
    """Kernels talk over local IPC sockets rather than TCP ports (no open ports, no warning)."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            import os
            import tempfile

            # socket files are named <ip>-<port> and removed when the kernel stops
            self.ip = os.path.join(tempfile.gettempdir(), f"verzamelbrief-kernel-{os.getpid()}-{id(self):x}")

    return IPCKernelManager


def notebook_params(stem: str, params_file: Path | None = None) -> dict:
    """The parameter block for notebook ``stem`` in ``params.yaml`` (may be empty)."""
    params_file = Path(params_file or paths.PARAMS)
    if not params_file.exists():
        return {}
    data = yaml.safe_load(params_file.read_text(encoding="utf-8")) or {}
    block = data.get(stem) or {}
    if not isinstance(block, dict):
        raise SystemExit(f"{paths.relative(params_file)}: block '{stem}' must be a mapping of parameter names to values")
    return block


def split_params(params_file: Path, out_dir: Path, stems: list[str] = ()) -> list[Path]:
    """Write one YAML file per block of ``params_file`` (and an empty one for each of
    ``stems`` without a block), touching only files whose content changed.

    Make gives each executed notebook its own block as a prerequisite, so changing
    one parameter reruns only the notebook it belongs to.
    """
    data = yaml.safe_load(params_file.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise SystemExit(f"{paths.relative(params_file)}: expected blocks named after notebooks")
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for stem in sorted(set(data) | set(stems)):
        block = data.get(stem) or {}
        if not isinstance(block, dict):
            raise SystemExit(f"{paths.relative(params_file)}: block '{stem}' must be a mapping of parameter names to values")
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


def execute(source: Path, target: Path, parameters: dict, kernel: str | None = None) -> float:
    """Execute ``source`` into ``target``; return the seconds taken.

    The executed notebook and every file the notebook writes through
    :mod:`verzamelbrief.outputs` form one transaction: they are renamed into place
    together when the notebook succeeds, and discarded when it fails or is interrupted.
    """
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    start = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    manifest = target.parent / f".{target.stem}.txn"
    previous = os.environ.get(TXN_ENV)
    os.environ[TXN_ENV] = str(manifest)
    try:
        with transaction(manifest), atomic_path(target) as tmp:
            try:
                pm.execute_notebook(
                    str(source),
                    str(tmp),
                    parameters=parameters,
                    cwd=str(paths.ROOT),
                    kernel_name=kernel,
                    progress_bar=False,
                    log_output=False,
                    request_save_on_cell_execute=False,
                    kernel_manager_class=kernel_manager_class(),
                    # every output is collected by then: skip the graceful shutdown's wait (~0.6 s)
                    shutdown_kernel="immediate",
                )
            except PapermillExecutionError as exc:
                failed = paths.BUILD / "failed" / target.name
                failed.parent.mkdir(parents=True, exist_ok=True)
                if tmp.exists():
                    shutil.copyfile(tmp, failed)
                raise NotebookFailed(_failure_message(source, exc, failed)) from None
            nb = nbformat.read(tmp, as_version=4)
            normalise(nb)
            nbformat.write(nb, tmp)
    finally:
        if previous is None:
            os.environ.pop(TXN_ENV, None)
        else:
            os.environ[TXN_ENV] = previous
    return time.monotonic() - start


def _failure_message(source: Path, exc, failed: Path) -> str:
    """Where it failed and why, ending with the exception (the lines make shows last)."""
    cell = exc.exec_count if exc.exec_count is not None else exc.cell_index
    lines = [f"{paths.relative(source)}: cell {cell} failed"]
    snippet = [line for line in (exc.source or "").splitlines() if line.strip() and not line.startswith("#|")][:3]
    lines += [f"    {line}" for line in snippet]
    lines.append(f"  failed execution saved as {paths.relative(failed)}")
    evalue = (exc.evalue or "").strip().splitlines() or [""]
    lines += [f"  {exc.ename}: {evalue[0]}"] + [f"  {line}" for line in evalue[1:]]
    return "\n".join(lines)


def _terminate(signum, frame):
    """SIGTERM unwinds like Ctrl-C, so staged files are removed and outputs stay as they were."""
    raise KeyboardInterrupt(f"signal {signum}")


def _parse_value(text: str):
    value = yaml.safe_load(text)
    return text if value is None and text not in ("null", "~") else value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute project notebooks with papermill.")
    parser.add_argument("notebook", type=Path, nargs="?", help="source notebook, e.g. notebooks/09_bib_examenmonitor.ipynb")
    parser.add_argument("output", type=Path, nargs="?", help="executed copy (default: reports/_executed/<name>.ipynb)")
    parser.add_argument("-f", "--params-file", type=Path, help="YAML file of parameters for this notebook")
    parser.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    parser.add_argument("-k", "--kernel", default=None, help="Jupyter kernel name (default: the notebook's)")
    parser.add_argument("--split-params", nargs="+", metavar="ARG",
                        help="PARAMS_YAML OUT_DIR [STEM ...]: write one parameter file per notebook and exit")
    args = parser.parse_args(argv)

    if args.split_params:
        params_yaml, out_dir, *stems = args.split_params
        split_params(Path(params_yaml), Path(out_dir), stems)
        return 0
    if args.notebook is None:
        parser.error("a notebook is required")
    source = args.notebook
    target = args.output or paths.EXECUTED / source.name
    if args.params_file:
        parameters = yaml.safe_load(args.params_file.read_text(encoding="utf-8")) or {}
    else:
        parameters = notebook_params(source.stem)
    parameters.update({name: _parse_value(value) for name, value in args.param})

    signal.signal(signal.SIGTERM, _terminate)
    print(f"▶ {source.stem}: running", flush=True)
    try:
        seconds = execute(source, target, parameters, args.kernel)
    except NotebookFailed as exc:
        print(f"✗ {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print(f"✗ {source.stem}: interrupted; previous outputs left as they were", file=sys.stderr, flush=True)
        return 130
    print(f"✓ {source.stem}: done in {seconds:.1f} s → {paths.relative(target)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
