"""The reproduction report (python -m neurotheory.report DIR) built from a quick data folder that the CLI
writes (`$NEUROTHEORY_CLI reproduce --quick --out DIR`): every figure drawn, non-trivial and referenced by
index.html, the agreement tables present; a missing numpy or matplotlib exits 3 with one line and
touches nothing."""

from __future__ import annotations

import hashlib
import html.parser
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

CLI = os.environ.get("NEUROTHEORY_CLI")
HINT = "install it with: apt-get install python3-matplotlib python3-numpy"
REPRODUCTIONS = ["length_map", "phase_diagram", "depth_scales", "trajectories", "jacobian_spectra", "spectral_spread",
                 "universality", "deep_products", "manifold_geometry", "manifold_pca", "transitions",
                 "mode_dynamics", "semantic_development", "hierarchy_spectrum", "generalization_dynamics",
                 "memory_curves", "memory_frontier", "benna_fusi_decay", "lifetime_scaling"]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    if not CLI:
        pytest.skip("NEUROTHEORY_CLI is not set (CTest sets it to the built neurotheory binary)")
    out = tmp_path_factory.mktemp("report")
    proc = subprocess.run([CLI, "reproduce", "--quick", "--out", str(out)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out


def run_report(*args, code=None, env=None):
    """python -m neurotheory.report ARGS (or `python -c CODE ARGS`) in a fresh interpreter."""
    cmd = [sys.executable, "-c", code, *map(str, args)] if code else [sys.executable, "-m", "neurotheory.report",
                                                                       *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)


class Images(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs: list[str] = []
        self.tables: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.srcs.append(a.get("src", ""))
        if tag == "table":
            self.tables.append(a.get("class", ""))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_cli_writes_data_figures_and_page(report_dir):
    data = report_dir / "data"
    summary = json.loads((data / "summary.json").read_text())
    assert [r["name"] for r in summary["reproductions"]] == REPRODUCTIONS
    for name in REPRODUCTIONS:
        meta = json.loads((data / name / "meta.json").read_text())
        assert meta["config"]["reproduce"]["quick"] is True
        assert meta["agreement"]
    assert (report_dir / "index.html").is_file()


def test_report_references_every_figure(report_dir):
    # Drawing again (the CLI already did once) must give the same set of files.
    proc = run_report(report_dir)
    assert proc.returncode == 0, proc.stderr
    page = (report_dir / "index.html").read_text(encoding="utf-8")
    parser = Images()
    parser.feed(page)
    figures = sorted(p.name for p in (report_dir / "figures").glob("*.png"))
    assert figures == sorted(f"{name}.png" for name in REPRODUCTIONS)
    assert sorted(parser.srcs) == sorted(f"figures/{f}" for f in figures), "every PNG once, relative paths"
    for src in parser.srcs:
        path = report_dir / src
        assert path.is_file(), src
        assert path.stat().st_size > 30_000, f"{src} is suspiciously small"
        width, height = png_size(path)
        assert width >= 800 and height >= 400, (src, width, height)
    # One agreement table per reproduction, titles, captions citing the papers, version info.
    assert parser.tables.count("agreement") == len(REPRODUCTIONS)
    assert page.count("<figcaption>") == len(REPRODUCTIONS)
    for title in [r["title"] for r in json.loads((report_dir / "data" / "summary.json").read_text())["reproductions"]]:
        assert title.replace("&", "&amp;") in page
    assert "Poole" in page and "Schoenholz" in page
    assert "neurotheory version" in page


def test_figures_are_not_blank(report_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import numpy as np

    for name in REPRODUCTIONS:
        img = mpimg.imread(report_dir / "figures" / f"{name}.png")
        rgb = img[..., :3]
        # Mostly white background, but a substantial fraction of the pixels carries the plot.
        inked = np.mean(np.any(rgb < 0.9, axis=-1))
        assert 0.03 < inked < 0.9, (name, inked)
        assert rgb.std() > 0.05, name


def test_helpers_format_agreement():
    from neurotheory import report

    stats, scalars, notes = report.agreement_rows(
        {"gaussian": {"q": {"max_z": 1.5, "rms_z": 0.9, "points": 10}, "N": 300}, "compared": "q^l", "x": None})
    assert stats == [("gaussian / q", {"max_z": 1.5, "rms_z": 0.9, "points": 10})]
    assert ("gaussian / N", 300) in scalars and ("x", None) in scalars
    assert notes == ["q^l"]
    assert report._fmt(None) == "–" and report._fmt(float("nan")) == "–"
    assert report._fmt(0.000123) == "1.230e-04" and report._fmt(12.3456) == "12.35" and report._fmt(True) == "yes"
    assert "sigma_b = 0.3" in report.caption("length_map", {"config": {"sigma_b": 0.3, "sigma_w": [1, 2.5, 4]}})


def block_and_run(module: str, directory: Path, by_path: bool):
    """Runs the report with `module` made unimportable (sys.modules[module] = None)."""
    if by_path:
        # numpy: the package's __init__ needs numpy itself, so run report.py as a file.
        spec = importlib.util.find_spec("neurotheory")
        target = Path(list(spec.submodule_search_locations)[0]) / "report.py"
        code = (f"import sys, runpy; sys.modules[{module!r}] = None; sys.argv = ['report'] + sys.argv[1:]; "
                f"runpy.run_path({str(target)!r}, run_name='__main__')")
    else:
        code = (f"import sys, runpy; sys.modules[{module!r}] = None; sys.argv = ['report'] + sys.argv[1:]; "
                "runpy.run_module('neurotheory.report', run_name='__main__', alter_sys=True)")
    return run_report(directory, code=code)


@pytest.mark.parametrize("module,by_path", [("matplotlib", False), ("numpy", True)])
def test_missing_plotting_module_exits_3(report_dir, tmp_path, module, by_path):
    # A copy of the data alone: nothing may be added or changed.
    work = tmp_path / "copy"
    shutil.copytree(report_dir / "data", work / "data")
    before = tree_digest(work)
    proc = block_and_run(module, work, by_path)
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert lines == [f"neurotheory report: {module} is missing; {HINT}"], proc.stderr
    assert proc.stdout == ""
    assert tree_digest(work) == before
    assert not (work / "figures").exists() and not (work / "index.html").exists()


def test_bad_directory_exits_2(tmp_path):
    proc = run_report(tmp_path / "nothing-here")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "summary.json" in proc.stderr
    assert not (tmp_path / "nothing-here").exists()


def test_broken_data_marks_the_section_and_exits_1(report_dir, tmp_path):
    work = tmp_path / "broken"
    shutil.copytree(report_dir / "data", work / "data")
    (work / "data" / "depth_scales" / "points.csv").unlink()
    proc = run_report(work)
    assert proc.returncode == 1
    assert "depth_scales" in proc.stderr
    page = (work / "index.html").read_text(encoding="utf-8")
    assert "could not be drawn" in page
    # The other figures are still there and referenced.
    parser = Images()
    parser.feed(page)
    assert sorted(parser.srcs) == sorted(f"figures/{n}.png" for n in REPRODUCTIONS if n != "depth_scales")
