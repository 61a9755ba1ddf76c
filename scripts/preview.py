#!/usr/bin/env python3
"""Look at the report: PNGs of every PDF page and a full-page screenshot of the HTML.

    python scripts/preview.py reports/_build        (make preview)

Writes ``<build>/preview/pdf-NN.png`` (pdftoppm, 80 dpi) and ``<build>/preview/html.png``
(headless Chromium, 1280 px wide, the whole page) plus ``html-phone.png`` (390 px wide).
Needs poppler-utils (``pdftoppm``) and Debian's ``chromium``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--allow-file-access-from-files", "--mute-audio",
]
MAX_HEIGHT = 16000  # Chromium's largest screenshot; taller pages are scaled down to fit


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise SystemExit("preview: chromium not found (apt-get install chromium)")


def _run_chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120,
    )


def page_height(html: Path, width: int, profile: Path) -> int:
    """The page's full height in CSS pixels at ``width``, measured in an iframe."""
    wrapper = profile / "measure.html"
    wrapper.write_text(
        "<!DOCTYPE html><html><body style='margin:0'>"
        f"<iframe id='f' src='{html.resolve().as_uri()}' style='width:{width}px;height:800px;border:0'></iframe>"
        "<script>document.getElementById('f').onload=function(){"
        "var d=this.contentDocument.documentElement;document.title='H'+d.scrollHeight;"
        "document.body.setAttribute('data-height',d.scrollHeight);};</script></body></html>",
        encoding="utf-8",
    )
    out = _run_chromium(["--virtual-time-budget=5000", "--dump-dom", wrapper.as_uri()], profile)
    import re

    m = re.search(r'data-height="(\d+)"', out.stdout)
    if not m:
        raise SystemExit(f"preview: could not measure the HTML page height\n{out.stderr[-500:]}")
    return int(m.group(1))


def screenshot(html: Path, target: Path, width: int) -> Path:
    with tempfile.TemporaryDirectory(prefix="preview-chromium-") as tmp:
        profile = Path(tmp)
        height = page_height(html, width, profile)
        scale = min(1.0, MAX_HEIGHT / height)
        out = _run_chromium(
            [f"--window-size={width},{height}", f"--force-device-scale-factor={scale:.4f}",
             f"--screenshot={target}", html.resolve().as_uri()],
            profile,
        )
        if not target.exists():
            raise SystemExit(f"preview: chromium wrote no screenshot\n{out.stderr[-500:]}")
    return target


def pdf_pages(pdf: Path, out_dir: Path, dpi: int = 80) -> list[Path]:
    if not shutil.which("pdftoppm"):
        raise SystemExit("preview: pdftoppm not found (apt-get install poppler-utils)")
    for old in out_dir.glob("pdf-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out_dir / "pdf")], check=True)
    return sorted(out_dir.glob("pdf-*.png"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", type=Path, nargs="?", default=Path("reports/_build"))
    parser.add_argument("--name", default="verzamelbrief")
    args = parser.parse_args(argv)
    out_dir = args.build / "preview"
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = pdf_pages(args.build / f"{args.name}.pdf", out_dir)
    html = args.build / f"{args.name}.html"
    shots = [screenshot(html, out_dir / "html.png", 1280), screenshot(html, out_dir / "html-phone.png", 390)]
    print(f"✓ preview: {len(pages)} PDF pages and {len(shots)} HTML screenshots in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
