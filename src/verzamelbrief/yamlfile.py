"""Reading the project's YAML files strictly: ``params.yaml``, the catalogue, parameter files.

PyYAML's ``safe_load`` lets the last of two equal keys win without a word and turns
``2026-11-28`` into a date (and ``2026-02-30`` into a traceback). Here

- a key that occurs twice in one mapping (a block of ``params.yaml`` written twice, a
  parameter set twice) is refused, naming both lines;
- dates stay text (``"2026-11-28"``), so the code that reads a date checks it and names
  the parameter, and a date where a number belongs is an ordinary wrong value;
- every problem is one :class:`YamlFileError` line naming the file and the line.
"""

from __future__ import annotations

from pathlib import Path

import yaml


class YamlFileError(ValueError):
    """A YAML file that cannot be read as it is written: one line, naming file and line."""

    def __init__(self, source: str, line: int | None, problem: str):
        self.source, self.line, self.problem = source, line, problem
        super().__init__(f"{source}{f', line {line}' if line else ''}: {problem}")

    def _render_traceback_(self):  # IPython (and so papermill) shows the message, not a traceback
        return [f"{type(self).__name__}: {self}"]


class StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without dates and without duplicate keys."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: SafeLoader says so itself
                continue
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}' (first at line {first + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


# dates (YAML's timestamps) are read as the text they are written as
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def loads(text: str, source: str):
    """Parse ``text`` (from ``source``, named in messages) strictly."""
    try:
        return yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlFileError(source, mark.line + 1 if mark else None, f"not valid YAML: {problem}"
                            if not problem.startswith("duplicate") else problem) from None


def load(path: Path | str, source: str | None = None):
    """Read the YAML file ``path`` strictly; ``source`` names it in messages (default: the path)."""
    path = Path(path)
    if source is None:
        from . import paths

        source = paths.relative(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlFileError(source, None, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from None
    return loads(text, source)
