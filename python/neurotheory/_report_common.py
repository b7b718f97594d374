"""Pieces shared by the report's figure modules (report.py and report_<module>.py): atomic files,
a reproduction's data folder, the common matplotlib style and the simulation-point helper, number
formatting for captions. Only numpy and matplotlib are needed, imported lazily."""

from __future__ import annotations

import io
import json
import math
import os
import tempfile


def _write_atomic(path: str, data: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _save_figure(fig, path: str) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    _write_atomic(path, buffer.getvalue())


def _load_csv(path: str):
    """A CSV with a header row as a dict of float arrays."""
    import numpy as np

    with open(path, encoding="utf-8") as f:
        names = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return {name: data[:, i] for i, name in enumerate(names)}


class Data:
    """One reproduction's folder."""

    def __init__(self, folder: str):
        self.folder = folder
        with open(os.path.join(folder, "meta.json"), encoding="utf-8") as f:
            self.meta = json.load(f)

    def npy(self, name: str):
        import numpy as np

        return np.load(os.path.join(self.folder, name + ".npy"))

    def csv(self, name: str):
        return _load_csv(os.path.join(self.folder, name + ".csv"))

    @property
    def config(self) -> dict:
        return self.meta.get("config", {})


# --------------------------------------------------------------------------------------------------
# Figures


def _style():
    import matplotlib

    matplotlib.rcParams.update(
        {
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.labelsize": 10,
            "legend.fontsize": 8,
            "legend.framealpha": 0.85,
            "axes.grid": True,
            "grid.alpha": 0.25,
            "errorbar.capsize": 2,
            "lines.linewidth": 1.5,
            "figure.constrained_layout.use": True,
        }
    )


def _colors(n: int):
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _sim(ax, x, y, yerr, color, marker="o", label=None, xerr=None, **kw):
    """Simulation: points with error bars (mean +- sem over networks)."""
    import numpy as np

    y = np.asarray(y, dtype=float)
    yerr = np.where(np.isfinite(yerr), yerr, 0.0)
    ax.errorbar(x, y, yerr=yerr, xerr=xerr, fmt=marker, color=color, ms=4, mfc=color, mec="white",
                mew=0.5, elinewidth=1, label=label, zorder=4, **kw)


def _legend_handles(entries):
    """Legend entries: ('line', color, label), ('point', color, marker, label)."""
    from matplotlib.lines import Line2D

    handles = []
    for e in entries:
        if e[0] == "line":
            handles.append(Line2D([], [], color=e[1], ls=e[3] if len(e) > 3 else "-", label=e[2]))
        else:
            handles.append(Line2D([], [], color=e[1], marker=e[2], ls="none", label=e[3]))
    return handles


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–"
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.3e}"
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(_fmt(x) for x in v)
    return str(v)
