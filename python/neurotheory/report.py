"""The reproduction report: figures and an HTML page from the data `neurotheory reproduce` wrote.

    python3 -m neurotheory.report DIR

reads DIR/data/summary.json and DIR/data/<name>/{meta.json, *.npy, *.csv}, draws one PNG per
reproduction into DIR/figures/ (matplotlib, Agg backend: theory as lines, finite-network simulation
as points with error bars on the same axes) and writes DIR/index.html (relative image paths, one
section per reproduction with its figure, caption and theory-vs-simulation agreement table).

Only numpy and matplotlib are needed (not the compiled extension). Exit status: 0 on success,
1 when a figure could not be drawn (the page says which), 2 for a bad DIR, 3 when numpy or
matplotlib is missing (the data are left untouched). Every file is written atomically.
"""

from __future__ import annotations

import html
import json
import math
import os
import sys
import tempfile
import time

INSTALL_HINT = "apt-get install python3-matplotlib python3-numpy"

# Papers, cited in titles and captions.
P16 = "Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli, NIPS 2016 (arXiv:1606.05340)"
S17 = "Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, ICLR 2017 (arXiv:1611.01232)"


def _import_plotting():
    """Imports numpy and matplotlib (Agg); on failure prints the one-line hint and exits 3."""
    for module in ("numpy", "matplotlib"):
        try:
            __import__(module)
        except ImportError:
            print(f"neurotheory report: {module} is missing; install it with: {INSTALL_HINT}", file=sys.stderr)
            sys.exit(3)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: F401  (fails the same way as above if broken)


# --------------------------------------------------------------------------------------------------
# Files


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
    import io

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


def fig_length_map(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import LogNorm

    q, v = d.npy("map_q"), d.npy("map_v")
    sigma_w, q_star = d.npy("sigma_w"), d.npy("q_star")
    tr = d.csv("trajectories")
    colors = _colors(len(sigma_w))
    markers = ["o", "s", "^", "D", "v", "P"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 9))
    sb = d.config.get("sigma_b", 0.3)

    ax = axes[0, 0]
    ax.plot(q, q, color="0.3", ls="--", lw=1, label="identity $q^l = q^{l-1}$")
    for i, sw in enumerate(sigma_w):
        ax.plot(q, v[:, i], color=colors[i], label=rf"theory $\mathcal{{V}}(q)$, $\sigma_w = {sw:g}$")
        ax.plot([q_star[i]], [q_star[i]], "o", ms=8, mfc="white", mec=colors[i], mew=2, zorder=5)
        ax.annotate(rf"$q^* = {q_star[i]:.3g}$", (q_star[i], q_star[i]),
                    xytext=(10, 22) if q_star[i] < 1 else (6, -14), textcoords="offset points", color=colors[i])
        # Simulated map: (q^{l-1}, q^l) of the finite networks, layers >= 2 (layer 1 is linear in q^0).
        sel = tr["sigma_w"] == sw
        for q0 in np.unique(tr["q0"][sel]):
            s = sel & (tr["q0"] == q0)
            m, e = tr["q_mean"][s], tr["q_sem"][s]
            _sim(ax, m[1:-1], m[2:], e[2:], colors[i], xerr=e[1:-1], alpha=0.8)
    ax.set_xlim(0, q.max())
    ax.set_ylim(0, q.max())
    ax.set_xlabel(r"$q^{l-1}$ (squared length per neuron, layer $l-1$)")
    ax.set_ylabel(r"$q^{l}$")
    ax.set_title(rf"A  Length map $q^l = \mathcal{{V}}(q^{{l-1}})$, $\sigma_b = {sb:g}$ [P16 Fig. 1A]")
    h = ax.get_legend_handles_labels()[0]
    h += _legend_handles([("point", "0.3", "o", "simulation (mean ± s.e.)"), ("point", "0.3", "o", "fixed point $q^*$")])
    h[-1].set_markerfacecolor("white")
    ax.legend(handles=h, loc="upper left")

    ax = axes[0, 1]
    for i, sw in enumerate(sigma_w):
        sel = tr["sigma_w"] == sw
        for k, q0 in enumerate(np.unique(tr["q0"][sel])):
            s = sel & (tr["q0"] == q0)
            ax.plot(tr["layer"][s], tr["q_theory"][s], color=colors[i], lw=1.2)
            _sim(ax, tr["layer"][s], tr["q_mean"][s], tr["q_sem"][s], colors[i], markers[k % len(markers)])
        ax.axhline(q_star[i], color=colors[i], ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("layer $l$")
    ax.set_ylabel(r"$q^l$")
    ax.set_title(r"B  $q^l \to q^*$ from several $q^0$, theory vs finite networks [P16 Fig. 1B]")
    entries = [("line", colors[i], rf"$\sigma_w = {sw:g}$ (theory)") for i, sw in enumerate(sigma_w)]
    entries += [("point", "0.3", markers[k], f"$q^0 = {q0:g}$")
                for k, q0 in enumerate(np.unique(tr["q0"]))]
    entries += [("line", "0.3", r"$q^*$", ":")]
    ax.legend(handles=_legend_handles(entries), ncol=2, loc="upper right")

    gw, gb = d.npy("grid_sigma_w"), d.npy("grid_sigma_b")
    # q* = 0 where sigma_b = 0 and sigma_w <= 1 (the solver leaves round-off there): masked.
    qs = np.ma.masked_where(~(d.npy("grid_q_star") > 1e-8), d.npy("grid_q_star"))
    ax = axes[1, 0]
    ax.grid(False)
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("0.8")
    mesh = ax.pcolormesh(gw, gb, qs.T, norm=LogNorm(vmin=max(qs.min(), 1e-3), vmax=qs.max()), cmap=cmap,
                         shading="nearest")
    fig.colorbar(mesh, ax=ax, label=r"$q^*$ (grey: $q^* = 0$)")
    contours = ax.contour(gw, gb, qs.T, levels=[0.1, 1, 10], colors="white", linewidths=0.8)
    ax.clabel(contours, fmt="%g", fontsize=8)
    for i, sw in enumerate(sigma_w):
        ax.plot([sw], [sb], "o", mfc=colors[i], mec="white", ms=7)
    ax.set_xlabel(r"$\sigma_w$")
    ax.set_ylabel(r"$\sigma_b$")
    ax.set_title(r"C  Fixed point $q^*(\sigma_w, \sigma_b)$ (contours 0.1, 1, 10) [P16 Fig. 1C]")

    ax = axes[1, 1]
    ax.grid(False)
    layers = np.ma.masked_invalid(d.npy("grid_layers"))
    cmap = plt.get_cmap("magma_r").copy()
    cmap.set_bad("0.8")
    mesh = ax.pcolormesh(gw, gb, layers.T, cmap=cmap, shading="nearest", vmin=1)
    fig.colorbar(mesh, ax=ax, label="layers")
    for i, sw in enumerate(sigma_w):
        ax.plot([sw], [sb], "o", mfc=colors[i], mec="white", ms=7)
    ax.set_xlabel(r"$\sigma_w$")
    ax.set_ylabel(r"$\sigma_b$")
    start = d.config.get("grid_q0", 1)
    ax.set_title(rf"D  Layers until $|q^l - q^*| < 1\%\, q^*$ from $q^0 = {start:g}$ [P16 Fig. 1D]")
    fig.suptitle("Length map of tanh networks: mean-field theory and finite networks (Poole et al. 2016, Fig. 1)",
                 fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_phase_diagram(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm

    w2, b2, chi1 = d.npy("sigma_w2"), d.npy("sigma_b2"), d.npy("chi1")
    line = d.csv("critical_line")
    keep = (line["sigma_b2"] <= b2.max() * 1.02) & (line["sigma_w2"] <= w2.max() * 1.02)
    lw2, lb2 = line["sigma_w2"][keep], line["sigma_b2"][keep]
    sim = d.csv("chi1_simulation")
    cut = d.csv("slices")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))

    ax = axes[0]
    ax.grid(False)
    norm = TwoSlopeNorm(vcenter=1.0, vmin=min(np.nanmin(chi1), 0.99), vmax=max(np.nanmax(chi1), 1.01))
    mesh = ax.pcolormesh(w2, b2, chi1.T, cmap="RdBu_r", norm=norm, shading="nearest")
    fig.colorbar(mesh, ax=ax, label=r"$\chi_1 = \sigma_w^2\, E[\phi'(\sqrt{q^*} z)^2]$")
    ax.contour(w2, b2, chi1.T, levels=[1.0], colors="yellow", linewidths=2.5, linestyles="-")
    ax.plot(lw2, lb2, "k-", lw=1.2, label=r"critical line $\chi_1 = 1$ (parametric in $q^*$)")
    ax.plot(sim["sigma_w2"], sim["sigma_b2"], "x", color="k", ms=6, label="simulated points (panel C)")
    ax.text(0.2, 0.75, "ordered\n$\\chi_1 < 1$", transform=ax.transAxes, ha="center", fontsize=11, weight="bold")
    ax.text(0.78, 0.2, "chaotic\n$\\chi_1 > 1$", transform=ax.transAxes, ha="center", fontsize=11, weight="bold")
    ax.set_xlim(w2.min(), w2.max())
    ax.set_ylim(b2.min(), b2.max())
    ax.set_xlabel(r"$\sigma_w^2$")
    ax.set_ylabel(r"$\sigma_b^2$")
    ax.set_title(r"A  $\chi_1$ over $(\sigma_w^2, \sigma_b^2)$ [P16 Fig. 2D]")
    h = ax.get_legend_handles_labels()[0] + _legend_handles([("line", "yellow", r"grid contour $\chi_1 = 1$")])
    ax.legend(handles=h, loc="upper right", fontsize=7)

    ax = axes[1]
    ax.grid(False)
    cw2, cb2, cs = d.npy("c_sigma_w2"), d.npy("c_sigma_b2"), np.ma.masked_invalid(d.npy("c_star"))
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("0.8")
    mesh = ax.pcolormesh(cw2, cb2, cs.T, cmap=cmap, vmin=0, vmax=1, shading="nearest")
    fig.colorbar(mesh, ax=ax, label=r"$c^*$")
    ax.plot(lw2, lb2, "w-", lw=1.5, label=r"critical line $\chi_1 = 1$")
    ax.set_xlim(w2.min(), w2.max())
    ax.set_ylim(b2.min(), b2.max())
    ax.text(0.2, 0.75, "ordered: $c^* = 1$", transform=ax.transAxes, ha="center", color="k", fontsize=10)
    ax.text(0.75, 0.08, "chaotic: $c^* < 1$", transform=ax.transAxes, ha="center", color="w", fontsize=10)
    ax.set_xlabel(r"$\sigma_w^2$")
    ax.set_ylabel(r"$\sigma_b^2$")
    ax.set_title(r"B  Correlation fixed point $c^*$ [S17 Fig. 1]")
    ax.legend(loc="upper right", fontsize=7)

    ax = axes[2]
    crit = {c["sigma_b2"]: c["sigma_w2"] for c in d.meta.get("critical_points", [])}
    colors = _colors(8)
    for i, sb2 in enumerate(np.unique(cut["sigma_b2"])):
        s = cut["sigma_b2"] == sb2
        ax.plot(cut["sigma_w2"][s], cut["chi1"][s], color=colors[i], label=rf"theory, $\sigma_b^2 = {sb2:g}$")
        t = sim["sigma_b2"] == sb2
        _sim(ax, sim["sigma_w2"][t], sim["chi1_mean"][t], sim["chi1_sem"][t], colors[i],
             label=rf"finite networks, $\sigma_b^2 = {sb2:g}$")
        for key, value in crit.items():
            if abs(key - sb2) < 1e-12 and value is not None:
                ax.axvline(value, color=colors[i], ls=":", lw=1)
    ax.axhline(1.0, color="0.3", ls="--", lw=1)
    ax.set_xlabel(r"$\sigma_w^2$")
    ax.set_ylabel(r"$\chi_1$  (squared-gradient growth per layer)")
    ax.set_title(r"C  $\chi_1$ at fixed $\sigma_b^2$; dotted: critical $\sigma_w^2$")
    ax.legend(loc="upper left")
    fig.suptitle("Order-to-chaos phase diagram of tanh networks (Poole et al. 2016, Fig. 2D; "
                 "Schoenholz et al. 2017, Fig. 1)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_depth_scales(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    th, pt, dec = d.csv("theory"), d.csv("points"), d.csv("decay")
    crit = d.meta.get("agreement", {}).get("critical_sigma_w2")
    sb2 = d.config.get("sigma_b2", 0.05)
    c_col, q_col = "C0", "C3"
    fig, axes = plt.subplots(2, 2, figsize=(11, 9))

    ax = axes[0, 0]
    ax.plot(th["sigma_w2"], th["xi_c"], color=c_col, label=r"theory $\xi_c = -1/\ln \chi_c$")
    ax.plot(th["sigma_w2"], th["xi_q"], color=q_col, label=r"theory $\xi_q = -1/\ln (d\mathcal{V}/dq)|_{q^*}$")
    _sim(ax, pt["sigma_w2"], pt["xi_c_sim"], pt["xi_c_se"], c_col, "o", label=r"$\xi_c$ fitted to finite networks")
    _sim(ax, pt["sigma_w2"], pt["xi_q_sim"], pt["xi_q_se"], q_col, "s", label=r"$\xi_q$ fitted to finite networks")
    ax.plot(pt["sigma_w2"], pt["xi_c_window_theory"], "x", color="k", ms=6,
            label="theory's trajectory, same fit and window")
    ax.plot(pt["sigma_w2"], pt["xi_q_window_theory"], "x", color="k", ms=6)
    if crit:
        ax.axvline(crit, color="0.3", ls=":", lw=1, label=rf"critical $\sigma_w^2 = {crit:.4f}$")
    ax.set_yscale("log")
    ax.set_ylim(0.5, 400)
    ax.set_xlabel(r"$\sigma_w^2$")
    ax.set_ylabel("depth scale (layers)")
    ax.set_title(rf"A  Depth scales at $\sigma_b^2 = {sb2:g}$ [S17 Fig. 2]")
    ax.legend(loc="upper right", fontsize=7)

    ax = axes[0, 1]
    ax.plot(th["sigma_w2"], th["one_minus_chi_c"], color=c_col, label=r"theory $1 - \chi_c$")
    _sim(ax, pt["sigma_w2"], pt["one_minus_chi_c_sim"], pt["one_minus_chi_c_se"], c_col,
         label=r"finite networks, $1 - e^{-1/\xi_c}$")
    ax.axhline(0, color="0.3", lw=0.8)
    if crit:
        ax.axvline(crit, color="0.3", ls=":", lw=1)
    ax.set_xlabel(r"$\sigma_w^2$")
    ax.set_ylabel(r"$1 - \chi_c$")
    ax.set_title(r"B  $1 - \chi_c$ vanishes at the critical point ($\chi_c = \sigma_w^2 E[\phi'(u_1)\phi'(u_2)]$)")
    ax.legend(loc="upper right")

    w_all = np.unique(pt["sigma_w2"])
    show = w_all if len(w_all) <= 4 else w_all[np.linspace(0, len(w_all) - 1, 4).round().astype(int)]
    colors = _colors(len(show))
    for panel, (quantity, name, label) in enumerate([(0, "c", r"$|c^l - c^*|$"), (1, "q", r"$|q^l - q^*|$")]):
        ax = axes[1, panel]
        for i, w in enumerate(show):
            s = (dec["sigma_w2"] == w) & (dec["quantity"] == quantity) & (dec["side"] == 0) & (dec["layer"] >= 1)
            ax.plot(dec["layer"][s], np.abs(dec["theory"][s]), color=colors[i])
            _sim(ax, dec["layer"][s], np.abs(dec["mean"][s]), dec["sem"][s], colors[i],
                 label=rf"$\sigma_w^2 = {w:g}$")
        ax.set_yscale("log")
        ax.set_xlabel("layer $l$")
        ax.set_ylabel(label)
        ax.set_title(("C" if panel == 0 else "D") + f"  Approach to the fixed point: {label} vs depth")
        h = ax.get_legend_handles_labels()[0] + _legend_handles([("line", "0.3", "theory")])
        ax.legend(handles=h, loc="lower left", fontsize=7)
        if quantity == 1:
            # q^l reaches q* within a few layers; beyond that only the noise floor remains.
            last = np.nanmax(np.concatenate([pt["q_last_side0"], pt["q_last_side1"]]))
            ax.set_xlim(0, (last if np.isfinite(last) else 8) + 3)
            s = (dec["quantity"] == 1) & (dec["layer"] >= 1) & (dec["layer"] <= ax.get_xlim()[1])
            ax.set_ylim(bottom=max(np.nanmin(np.abs(dec["theory"][s])), 1e-4))
    fig.suptitle("Depth scales of signal propagation in tanh networks (Schoenholz et al. 2017, Fig. 2)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_trajectories(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    tq, tc, tg = d.csv("q"), d.csv("c"), d.csv("gradient")
    ensembles = d.config.get("weights", ["gaussian", "orthogonal"])
    phases = d.config.get("phases", ["ordered", "critical", "chaotic"])
    sw2 = d.config.get("sigma_w2", sorted(set(tq["sigma_w2"])))
    sb2 = d.config.get("sigma_b2", 0.05)
    colors = _colors(len(sw2))
    markers = ["o", "s", "^", "D"]
    styles = ["-", "--", "-.", ":"]
    fig, axes = plt.subplots(4, len(ensembles), figsize=(11, 15), sharex="col", squeeze=False)
    for e, ens in enumerate(ensembles):
        for k, w in enumerate(sw2):
            label = rf"{phases[k] if k < len(phases) else ''} $\sigma_w^2 = {w:.3g}$"
            # q^l of single inputs.
            ax = axes[0, e]
            s0 = (tq["weights"] == e) & np.isclose(tq["sigma_w2"], w)
            for j, q0 in enumerate(np.unique(tq["q0"][s0])):
                s = s0 & (tq["q0"] == q0)
                ax.plot(tq["layer"][s], tq["theory"][s], color=colors[k], ls=styles[j % 4], lw=1.2)
                _sim(ax, tq["layer"][s], tq["mean"][s], tq["sem"][s], colors[k], markers[j % 4])
            # c^l of input pairs at q*.
            ax = axes[1, e]
            s0 = (tc["weights"] == e) & np.isclose(tc["sigma_w2"], w)
            for j, c0 in enumerate(np.unique(tc["c0"][s0])):
                s = s0 & (tc["c0"] == c0)
                ax.plot(tc["layer"][s], tc["theory"][s], color=colors[k], ls=styles[j % 4], lw=1.2)
                _sim(ax, tc["layer"][s], tc["mean"][s], tc["sem"][s], colors[k], markers[j % 4])
            # Gradient growth per layer and its product (S17 Fig. 4).
            s = (tg["weights"] == e) & np.isclose(tg["sigma_w2"], w) & np.isfinite(tg["theory"])
            layer, theory, mean, sem = tg["layer"][s], tg["theory"][s], tg["mean"][s], tg["sem"][s]
            ax = axes[2, e]
            ax.plot(layer, theory, color=colors[k], label=label)
            _sim(ax, layer, mean, sem, colors[k])
            ax = axes[3, e]
            # |delta^l|^2 / |delta^L|^2 = prod_{m=l}^{L-1} growth_m; errors added in log space.
            order = np.argsort(-layer)
            cum_t = np.cumprod(theory[order])[::-1]
            cum_m = np.cumprod(mean[order])[::-1]
            rel = np.sqrt(np.cumsum((sem[order] / mean[order]) ** 2))[::-1]
            ax.plot(layer, cum_t, color=colors[k], label=label)
            _sim(ax, layer, cum_m, cum_m * rel, colors[k])
        depth = int(tq["layer"][tq["weights"] == e].max())
        axes[0, e].set_yscale("log")
        axes[0, e].set_ylabel(r"$q^l$ (single inputs)")
        axes[0, e].set_title(f"{ens.capitalize()} weights: $q^l$ from $q^0$ below, at and above $q^*$ [P16 Fig. 1B]")
        axes[1, e].set_ylabel(r"$c^l$ (input pairs at $q^*$)")
        axes[1, e].set_title(rf"{ens.capitalize()} weights: $c^l$ from $c^0$ = "
                             + ", ".join(f"{c:g}" for c in np.unique(tc["c0"])) + " [P16 Fig. 2B]")
        axes[2, e].axhline(1.0, color="0.3", ls="--", lw=0.8)
        axes[2, e].set_ylabel(r"$|\delta^l|^2 / |\delta^{l+1}|^2$")
        axes[2, e].set_title(rf"{ens.capitalize()} weights: gradient growth per layer vs $\chi(q^l)$ [S17 eq. 15]")
        axes[3, e].set_yscale("log")
        axes[3, e].set_ylabel(rf"$|\delta^l|^2 / |\delta^{{{depth}}}|^2$")
        axes[3, e].set_title(rf"{ens.capitalize()} weights: squared gradient norm vs layer [S17 Fig. 4]")
        axes[3, e].set_xlabel("layer $l$")
        axes[2, e].legend(loc="best", fontsize=7)
    # One legend for colors, line styles and markers.
    entries = [("line", colors[k], rf"{phases[k] if k < len(phases) else ''} $\sigma_w^2 = {w:.3g}$ (theory)")
               for k, w in enumerate(sw2)]
    entries += [("point", "0.3", "o", "finite networks (mean ± s.e.)")]
    axes[0, 0].legend(handles=_legend_handles(entries), loc="upper right", fontsize=7)
    entries = [("line", "0.3", rf"$c^0 = {c:g}$", styles[j % 4]) for j, c in enumerate(np.unique(tc["c0"]))]
    axes[1, 0].legend(handles=_legend_handles(entries), loc="lower right", fontsize=7)
    q0_labels = [r"$q^0 = %g$ (below $q^*$)" % d.config.get("q0_far", [0.02, 3.0])[0], r"$q^1 = q^*$",
                 r"$q^0 = %g$ (above $q^*$)" % d.config.get("q0_far", [0.02, 3.0])[-1]]
    entries = [("line", "0.3", q0_labels[j], styles[j]) for j in range(3)]
    axes[0, 1].legend(handles=_legend_handles(entries), loc="lower right", fontsize=7)
    from matplotlib.ticker import LogLocator, LogFormatter

    for ax in list(axes[0]) + list(axes[3]):
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(LogFormatter(base=10, labelOnlyBase=False))
    fig.suptitle(rf"Signal and gradient propagation in tanh networks, $\sigma_b^2 = {sb2:g}$: theory (lines) vs "
                 "finite networks (points) (Schoenholz et al. 2017, Fig. 4)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


FIGURES = {
    "length_map": fig_length_map,
    "phase_diagram": fig_phase_diagram,
    "depth_scales": fig_depth_scales,
    "trajectories": fig_trajectories,
}


# --------------------------------------------------------------------------------------------------
# Captions


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


def caption(name: str, meta: dict) -> str:
    """One paragraph: what is shown and with which parameters (plain text, escaped later)."""
    c = meta.get("config", {})
    width = c.get("width")
    if name == "length_map":
        return (
            f"Poole et al. 2016 ({P16}), Fig. 1, for tanh networks with sigma_b = {_fmt(c.get('sigma_b'))} and "
            f"sigma_w in {{{_fmt(c.get('sigma_w'))}}} (standard deviations, as in the paper; sigma_w2 = sigma_w^2). "
            "(A) The length map V(q) = sigma_w^2 E[tanh(sqrt(q) z)^2] + sigma_b^2 with its fixed points q* (open "
            "circles) and, as points, the pairs (q^{l-1}, q^l) measured in finite networks. (B) q^l against depth "
            f"for input lengths q^0 in {{{_fmt(c.get('q0'))}}}: theory lines, points are the mean ± standard error "
            f"over {c.get('networks_per_sigma_w')} random Gaussian networks of width N = {width} and depth "
            f"{c.get('depth')} per sigma_w (each input {c.get('copies_per_input')} times per network). "
            f"(C) q* over the (sigma_w, sigma_b) plane ({c.get('grid_points')}^2 grid, evenly spaced in the "
            f"standard deviations). (D) Layers q^l needs from q^0 = {_fmt(c.get('grid_q0'))} to come within 1% "
            f"of q* (grey: q* = 0 or not within {c.get('grid_max_layers')} layers). The convergence is fast "
            "(a few layers) everywhere except near sigma_b = 0, sigma_w = 1."
        )
    if name == "phase_diagram":
        g = c.get("grid_chi1", ["?", "?"])
        gc = c.get("grid_c_star", ["?", "?"])
        return (
            f"The order-to-chaos phase diagram of tanh networks (Poole et al. 2016, Fig. 2D; Schoenholz et al. 2017, "
            f"Fig. 1; {S17}). (A) chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2], the slope of the correlation map at "
            f"c = 1, on a {g[0]} x {g[1]} grid over sigma_w2 in [{_fmt(c.get('sigma_w2_range'))}] and sigma_b2 in "
            f"[{_fmt(c.get('sigma_b2_range'))}]; the critical line chi_1 = 1 is drawn from its parametric form in "
            "q* (sigma_w2 = 1/E[phi'^2], sigma_b2 = q* - sigma_w2 E[phi^2]) and agrees with the grid's contour. "
            "Left of it (ordered) all inputs become perfectly correlated, right of it (chaotic) nearby inputs "
            f"decorrelate. (B) The correlation fixed point c* on a {gc[0]} x {gc[1]} grid. (C) chi_1 along "
            f"sigma_b2 = {_fmt(c.get('slices_sigma_b2'))}: theory lines; points are chi_1 measured in finite "
            f"Gaussian networks (width {width}, {c.get('networks_per_point')} networks per point, depth "
            f"{c.get('depth')}) as the squared-gradient growth |delta^l|^2/|delta^{{l+1}}|^2 averaged over layers, "
            "for inputs at the fixed point q*."
        )
    if name == "depth_scales":
        return (
            f"Schoenholz et al. 2017 ({S17}), Fig. 2: the depth scales over which the length (xi_q) and the "
            f"correlation (xi_c) of signals approach their fixed points, for tanh at sigma_b2 = "
            f"{_fmt(c.get('sigma_b2'))}. Lines: theory, xi = -1/ln(slope of the map at its fixed point); xi_c "
            "diverges at the critical sigma_w2 (dotted), while xi_q stays finite. Points: xi fitted to finite "
            f"networks (width {width}, {c.get('networks_per_point')} Gaussian networks per point, "
            f"{c.get('copies_per_input')} copies of each input per network): {c.get('fit')}. Pairs: "
            f"{c.get('pairs')}; single inputs: {c.get('singles')}. Crosses: the theory's own trajectories fitted in "
            "exactly the same way, which isolates the effect of the finite fitting window from finite width. "
            "(B) 1 - chi_c, and 1 - exp(-1/xi_c) from the fits. (C, D) The displacements from the fixed points "
            "against depth for a few sigma_w2 (one side), theory lines and simulation points."
        )
    if name == "trajectories":
        depth = c.get("depth", {})
        nets = c.get("networks_per_point", {})
        return (
            f"Layer-by-layer propagation in tanh networks with sigma_b2 = {_fmt(c.get('sigma_b2'))} in the ordered, "
            f"critical and chaotic phases (sigma_w2 = {_fmt(c.get('sigma_w2'))}), Gaussian weights (left; "
            f"depth {depth.get('gaussian')}, {nets.get('gaussian')} networks) and Haar-orthogonal weights "
            f"(right; depth {depth.get('orthogonal')}, {nets.get('orthogonal')} networks), width {width}. Rows: "
            "q^l of single inputs starting below, at and above q* (P16 Fig. 1B); c^l of input pairs at q* "
            f"(P16 Fig. 2B; c^0 = {_fmt(c.get('c0'))}); the squared-gradient growth per layer "
            "|delta^l|^2/|delta^{l+1}|^2 of the backward pass for the input at q*, whose mean-field value is "
            "chi_1 (S17 eq. 15); and its product, the squared gradient norm relative to the last layer, which "
            "vanishes exponentially in the ordered phase and explodes in the chaotic one (S17 Fig. 4). "
            "Mean-field theory does not distinguish the two ensembles: both follow the same lines."
        )
    return meta.get("title", name)


def symbols_html(text: str) -> str:
    """Escapes plain caption text and typesets the theory's names: sigma_w2 -> σ_w², chi_1 -> χ₁, ..."""
    import re

    out = html.escape(text)
    rules = [
        (r"\bsigma_([wb])2\b", r"σ<sub>\1</sub><sup>2</sup>"),
        (r"\bsigma_([wb])\^2", r"σ<sub>\1</sub><sup>2</sup>"),
        (r"\bsigma_([wb])\b", r"σ<sub>\1</sub>"),
        (r"\bchi_(1|c)\b", r"χ<sub>\1</sub>"),
        (r"\bxi_([qc])\b", r"ξ<sub>\1</sub>"),
        (r"\bdelta\^\{l\+1\}", r"δ<sup>l+1</sup>"),
        (r"\bdelta\^l\b", r"δ<sup>l</sup>"),
        (r"\b([qc])\^\{l-1\}", r"\1<sup>l−1</sup>"),
        (r"\b([qc])\^([0-9l])\b", r"\1<sup>\2</sup>"),
        (r"\^2\b", r"<sup>2</sup>"),
        (r"\bphi'", "φ′"),
        (r"\bphi\b", "φ"),
        (r"\bsqrt\(", "√("),
    ]
    for pattern, repl in rules:
        out = re.sub(pattern, repl, out)
    return out


# --------------------------------------------------------------------------------------------------
# Agreement tables

STAT_COLUMNS = [("max_z", "max |z|"), ("rms_z", "rms z"), ("max_relative_error", "max rel. error"),
                ("max_abs_error", "max abs. error"), ("points", "points")]


def agreement_rows(agreement: dict):
    """Splits an agreement object into (stat rows: (label, stats dict)), (scalar rows: (label, value)),
    notes (strings)."""
    stats, scalars, notes = [], [], []

    def walk(obj, path):
        for key, value in obj.items():
            label = " / ".join(path + [key])
            if isinstance(value, dict):
                if "max_z" in value:
                    stats.append((label, value))
                else:
                    walk(value, path + [key])
            elif isinstance(value, str):
                notes.append(value)
            else:
                scalars.append((label, value))

    walk(agreement or {}, [])
    return stats, scalars, notes


def agreement_html(agreement: dict) -> str:
    stats, scalars, notes = agreement_rows(agreement)
    out = []
    if stats:
        out.append('<table class="agreement"><thead><tr><th>quantity</th>')
        out += [f"<th>{html.escape(title)}</th>" for _, title in STAT_COLUMNS]
        out.append("</tr></thead><tbody>")
        for label, s in stats:
            out.append(f"<tr><td>{html.escape(label)}</td>")
            out += [f"<td>{html.escape(_fmt(s.get(k)))}</td>" for k, _ in STAT_COLUMNS]
            out.append("</tr>")
        out.append("</tbody></table>")
    if scalars:
        out.append('<table class="scalars"><tbody>')
        for label, value in scalars:
            out.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(_fmt(value))}</td></tr>")
        out.append("</tbody></table>")
    for note in notes:
        out.append(f'<p class="note">Compared: {symbols_html(note)}. z = |simulation − theory| / standard error '
                   "over networks; rms z ≈ 1 when the deviations are sampling noise.</p>")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------
# Page

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 1.5em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.92em; color: #333; margin-top: 0.5em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
table.scalars th { font-weight: normal; background: #f6f6f6; }
thead th { background: #f0f0f0; }
.note, .meta { font-size: 0.88em; color: #555; }
.error { color: #a00; font-weight: bold; }
details pre { font-size: 0.8em; background: #f8f8f8; padding: 0.6em; overflow-x: auto; }
nav ul { columns: 2; }
"""


def build(directory: str) -> int:
    """Draws the figures and writes index.html; returns the exit status (0, or 1 if a figure failed)."""
    import matplotlib.pyplot as plt  # noqa: F401

    _style()
    data_dir = os.path.join(directory, "data")
    with open(os.path.join(data_dir, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    figures_dir = os.path.join(directory, "figures")
    os.makedirs(figures_dir, exist_ok=True)

    sections, toc = [], []
    status = 0
    for entry in summary.get("reproductions", []):
        name = entry["name"]
        title = entry.get("title", name)
        folder = os.path.join(data_dir, name)
        anchor = html.escape(name)
        toc.append(f'<li><a href="#{anchor}">{html.escape(title)}</a></li>')
        part = [f'<section id="{anchor}">', f"<h2>{html.escape(title)}</h2>"]
        try:
            d = Data(folder)
        except (OSError, ValueError) as e:
            part.append(f'<p class="error">No data for {html.escape(name)}: {html.escape(str(e))}</p></section>')
            sections.append("\n".join(part))
            print(f"neurotheory report: {name}: {e}", file=sys.stderr)
            status = 1
            continue
        draw = FIGURES.get(name)
        figure_file = f"{name}.png"
        figure_ok = False
        if draw is not None:
            try:
                draw(d, os.path.join(figures_dir, figure_file))
                figure_ok = True
            except Exception as e:  # a broken data file must not lose the rest of the report
                import matplotlib.pyplot as plt

                plt.close("all")
                print(f"neurotheory report: {name}: figure failed: {type(e).__name__}: {e}", file=sys.stderr)
                part.append(f'<p class="error">The figure could not be drawn: {html.escape(type(e).__name__)}: '
                            f"{html.escape(str(e))}</p>")
                status = 1
        text = symbols_html(caption(name, d.meta))
        if figure_ok:
            part.append(f'<figure><img src="figures/{html.escape(figure_file)}" alt="{html.escape(title)}">'
                        f"<figcaption>{text}</figcaption></figure>")
        else:
            part.append(f"<p>{text}</p>")
        part.append("<h3>Theory vs simulation</h3>")
        part.append(agreement_html(d.meta.get("agreement", {})))
        seconds = d.meta.get("seconds")
        part.append(f'<p class="meta">Computed in {_fmt(seconds)} s. Data: <code>data/{html.escape(name)}/</code> '
                    "(.npy arrays load with numpy.load; meta.json holds the full configuration and seeds).</p>")
        config = json.dumps(d.meta.get("config", {}), indent=1, sort_keys=True)
        part.append(f"<details><summary>Configuration and seeds</summary><pre>{html.escape(config)}</pre></details>")
        part.append("</section>")
        sections.append("\n".join(part))

    options = summary.get("config", {}).get("reproduce", {})
    created = summary.get("created_unix")
    created_text = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(created)) if created else "unknown"
    import matplotlib
    import numpy

    info = [
        ("neurotheory version", summary.get("neurotheory_version")),
        ("data created", created_text),
        ("command", "neurotheory " + str(summary.get("command", "reproduce"))),
        ("quick sizes", options.get("quick")),
        ("base seed", options.get("seed")),
        ("threads", summary.get("config", {}).get("threads")),
        ("total time (s)", summary.get("total_seconds")),
        ("report drawn with", f"matplotlib {matplotlib.__version__}, numpy {numpy.__version__}, "
                              f"Python {sys.version.split()[0]}"),
    ]
    info_html = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(_fmt(v))}</td></tr>" for k, v in info)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>neurotheory: reproductions of signal propagation in deep random networks</title>
<style>{CSS}</style>
</head>
<body>
<h1>neurotheory: reproductions</h1>
<p>Mean-field theory of signal propagation in deep random networks next to finite-network simulation:
theory as lines, simulated networks as points with error bars (mean ± standard error over independent
networks). Papers: [P16] {html.escape(P16)}; [S17] {html.escape(S17)}.</p>
<table class="scalars"><tbody>{info_html}</tbody></table>
<nav><ul>
{chr(10).join(toc)}
</ul></nav>
{chr(10).join(sections)}
</body>
</html>
"""
    _write_atomic(os.path.join(directory, "index.html"), page.encode("utf-8"))
    return status


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print("usage: python3 -m neurotheory.report DIR  (DIR as written by `neurotheory reproduce --out DIR`)",
              file=sys.stderr if len(argv) != 1 else sys.stdout)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    directory = argv[0]
    _import_plotting()
    if not os.path.isfile(os.path.join(directory, "data", "summary.json")):
        print(f"neurotheory report: {os.path.join(directory, 'data', 'summary.json')} not found; "
              "run `neurotheory reproduce --out DIR` first", file=sys.stderr)
        return 2
    return build(directory)


if __name__ == "__main__":
    sys.exit(main())
