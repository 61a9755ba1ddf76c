"""Fonts for the PDF and the figures, from installed, pinned packages.

The report is typeset in DejaVu Sans, the font matplotlib ships in ``mpl-data``, so the
figures and the text share one typeface and every machine with the pinned
requirements produces the same PDF. ``python -m verzamelbrief.fonts DIR`` copies the
font files into ``DIR`` (``reports/_fonts``, named in ``_quarto.yml``'s ``font-paths``)
for Quarto and the offline renderer alike.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf", "DejaVuSansMono.ttf"]


def source_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def install(target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in FILES:
        dest = target / name
        src = source_dir() / name
        if not dest.exists() or dest.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dest)
        copied.append(dest)
    return copied


if __name__ == "__main__":
    for path in install(Path(sys.argv[1] if len(sys.argv) > 1 else "reports/_fonts")):
        print(path)
