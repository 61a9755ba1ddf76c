"""Quarto's ``{{< embed notebook.ipynb#id >}}`` for the offline renderer.

Like Quarto, it looks a cell up by cell id, then by ``#| label:``, then by tag, reads
its stored outputs (it never executes anything) and turns them into Markdown:

- a cell labelled ``fig-*`` with an image output becomes a figure with the cell's
  ``fig-cap`` and ``fig-alt``, its image written beside the build;
- a cell labelled ``tbl-*`` with a Markdown output becomes a captioned table
  (``tbl-cap``) inside a ``::: {#tbl-*}`` div;
- any other cell contributes its Markdown outputs as they are.

Outputs it cannot represent (HTML, plain text, errors) stop the render with the
notebook, cell and output type named.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

OPTION_LINE = re.compile(r"^#\|\s?(.*)$")


class RenderError(RuntimeError):
    """Something in the report the offline renderer cannot render faithfully."""


def cell_options(cell: dict) -> dict:
    """The ``#| key: value`` options at the top of a code cell."""
    source = "".join(cell.get("source", "")) if isinstance(cell.get("source"), list) else cell.get("source", "")
    lines = []
    for line in source.splitlines():
        m = OPTION_LINE.match(line)
        if not m:
            break
        lines.append(m.group(1))
    if not lines:
        return {}
    try:
        options = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as exc:
        raise RenderError(f"cell {cell.get('id')}: cell options are not valid YAML: {exc}") from None
    return options if isinstance(options, dict) else {}


def find_cell(nb: dict, ident: str, where: str) -> dict:
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    for match in (
        lambda c: c.get("id") == ident,
        lambda c: cell_options(c).get("label") == ident,
        lambda c: ident in c.get("metadata", {}).get("tags", []),
    ):
        found = [c for c in cells if match(c)]
        if len(found) > 1:
            raise RenderError(f"{where}: more than one cell matches '{ident}'")
        if found:
            return found[0]
    raise RenderError(f"{where}: no cell with id, label or tag '{ident}'")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _quote_attr(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


@dataclass
class Embedder:
    """Resolves embeds relative to ``base_dir``; writes images into ``media_dir``."""

    base_dir: Path
    media_dir: Path
    media_prefix: str

    def __call__(self, target: str, where: str) -> str:
        path_part, _, ident = target.partition("#")
        nb_path = (self.base_dir / path_part).resolve()
        if not ident:
            raise RenderError(f"{where}: embed '{target}' names no cell (use notebook.ipynb#label)")
        if nb_path.suffix != ".ipynb":
            raise RenderError(f"{where}: embed '{target}': only .ipynb notebooks are supported offline")
        if not nb_path.exists():
            raise RenderError(f"{where}: embed '{target}': {path_part} does not exist; run the notebooks first (make notebooks)")
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        cell = find_cell(nb, ident, f"{where}: {path_part}")
        options = cell_options(cell)
        label = options.get("label", ident)
        outputs = [o for o in cell.get("outputs", []) if o.get("output_type") in ("display_data", "execute_result", "stream", "error")]
        for o in outputs:
            if o["output_type"] == "error":
                raise RenderError(f"{where}: cell '{ident}' of {path_part} holds an error: {o.get('ename')}: {o.get('evalue')}")
        datas = [o.get("data", {}) for o in outputs if o["output_type"] != "stream"]
        if str(label).startswith("fig-"):
            return self._figure(label, options, datas, f"{where}: {path_part}#{ident}")
        if str(label).startswith("tbl-"):
            return self._table(label, options, datas, f"{where}: {path_part}#{ident}")
        parts = []
        for data in datas:
            if "text/markdown" in data:
                parts.append(_text(data["text/markdown"]))
            else:
                raise RenderError(f"{where}: cell '{ident}' of {path_part}: output types {sorted(data)} are not supported offline")
        return "\n\n".join(parts)

    def _figure(self, label: str, options: dict, datas: list[dict], where: str) -> str:
        images = [d for d in datas if "image/svg+xml" in d or "image/png" in d]
        if len(images) != 1:
            raise RenderError(f"{where}: a fig- cell must have exactly one image output, found {len(images)}")
        data = images[0]
        if "image/svg+xml" in data:
            payload, ext = _text(data["image/svg+xml"]).encode("utf-8"), "svg"
        else:
            import base64

            payload, ext = base64.b64decode(_text(data["image/png"])), "png"
        caption = options.get("fig-cap")
        if not caption:
            raise RenderError(f"{where}: figure '{label}' has no fig-cap")
        digest = hashlib.sha256(payload).hexdigest()[:10]
        name = f"{label}-{digest}.{ext}"
        self.media_dir.mkdir(parents=True, exist_ok=True)
        (self.media_dir / name).write_bytes(payload)
        alt = options.get("fig-alt", caption)
        return f'![{caption}]({self.media_prefix}/{name}){{#{label} fig-alt="{_quote_attr(str(alt))}"}}'

    def _table(self, label: str, options: dict, datas: list[dict], where: str) -> str:
        md = [d for d in datas if "text/markdown" in d]
        if len(md) != 1:
            raise RenderError(f"{where}: a tbl- cell must have exactly one Markdown output, found {len(md)}")
        caption = options.get("tbl-cap")
        if not caption:
            raise RenderError(f"{where}: table '{label}' has no tbl-cap")
        body = _text(md[0]["text/markdown"]).strip()
        return f"::: {{#{label}}}\n\n{body}\n\n: {caption}\n\n:::"
