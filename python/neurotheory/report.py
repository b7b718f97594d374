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
import os
import sys
import time

if __package__:
    from . import report_deeplinear, report_synapses
    from ._report_common import Data, _colors, _fmt, _legend_handles, _save_figure, _sim, _style, _write_atomic
else:  # run as a file (python3 .../report.py DIR): the sibling modules are imported from its folder
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import report_deeplinear
    import report_synapses
    from _report_common import Data, _colors, _fmt, _legend_handles, _save_figure, _sim, _style, _write_atomic

# Figures and captions of the later modules live in report_<module>.py (FIGURES + caption()).
PLUGINS = (report_deeplinear, report_synapses)

INSTALL_HINT = "apt-get install python3-matplotlib python3-numpy"

# Papers, cited in titles and captions.
P16 = "Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli, NIPS 2016 (arXiv:1606.05340)"
S17 = "Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, ICLR 2017 (arXiv:1611.01232)"
PE17 = "Pennington, Schoenholz & Ganguli, NIPS 2017 (arXiv:1711.04735)"
R17 = "Raghu, Poole, Kleinberg, Ganguli & Sohl-Dickstein, ICML 2017 (arXiv:1606.05336)"
PE18 = "Pennington, Schoenholz & Ganguli, AISTATS 2018 (arXiv:1802.09979)"


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
# Figures


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


# ---- isometry -------------------------------------------------------------------------------------

def _atoms_of(table, mask):
    """[(location, mass)] of the rows selected by mask."""
    return [(float(x), float(m)) for x, m in zip(table["location"][mask], table["mass"][mask])]


def _spectrum_panel(ax, lam_grid, rho, samples, atoms, color="C0", bins=60, label_theory="free probability",
                    label_sim="finite networks"):
    """Histogram of lambda with the theory's density; wide spectra on a log axis (density of log10 lambda).

    Point masses are listed in a box (theory mass, and the fraction of samples there) and left out of the
    histogram, which shows the continuous part with the normalisation of the theory's continuous part."""
    import numpy as np

    samples = np.asarray(samples, dtype=float).ravel()
    rho = np.asarray(rho, dtype=float)
    lam_grid = np.asarray(lam_grid, dtype=float)
    n = max(samples.size, 1)
    top = np.nanmax(lam_grid) if lam_grid.size else np.max(samples)
    keep = samples > 1e-12 * max(top, 1e-300)
    notes = []
    for loc, m in atoms:
        if loc <= 1e-12 * top:
            notes.append(f"atom at 0: {m:.3g} (sim {1.0 - keep.mean():.3g})")
        elif m > 1e-6:
            at = np.abs(samples - loc) <= 1e-6 * loc
            notes.append(f"atom at {loc:.4g}: {m:.3g} (sim {at.mean():.3g})")
            keep &= ~at
    positive = samples[keep]
    finite = np.isfinite(rho) & (lam_grid > 0)
    wide = positive.size > 0 and top / max(np.median(positive), 1e-300) > 40.0
    if wide:
        x = np.log10(positive)
        lo = min(np.min(x), np.log10(lam_grid[finite]).min()) if finite.any() else np.min(x)
        counts, edges = np.histogram(x, bins=bins, range=(lo, np.log10(top * 1.05)))
        heights = counts / n / np.diff(edges)
        ax.bar(edges[:-1], heights, width=np.diff(edges), align="edge", color=color, alpha=0.35, label=label_sim)
        curve = rho[finite] * lam_grid[finite] * np.log(10.0)
        ax.plot(np.log10(lam_grid[finite]), curve, color="k", lw=1.2, label=label_theory)
        ax.set_xlabel(r"$\log_{10} \lambda$")
    else:
        hi = max(top, np.max(positive) if positive.size else 1.0) * 1.02
        counts, edges = np.histogram(positive, bins=bins, range=(0.0, hi))
        heights = counts / n / np.diff(edges)
        ax.bar(edges[:-1], heights, width=np.diff(edges), align="edge", color=color, alpha=0.35, label=label_sim)
        curve = rho[finite]
        ax.plot(lam_grid[finite], curve, color="k", lw=1.2, label=label_theory)
        ax.set_xlabel(r"$\lambda$")
        ax.set_xlim(0.0, hi)
        for loc, m in atoms:
            if loc > 1e-12 * top and m > 1e-6:
                ax.axvline(loc, color="C3", lw=1.0, ls="--")
    # Integrable singularities (near 0, at hard edges) would flatten everything else: clip the axis.
    grid_x = np.log10(lam_grid[finite]) if wide else lam_grid[finite]
    away = curve[grid_x > (np.log10(0.05 * top) if wide else 0.05 * top)] if curve.size else curve
    typical = max(np.max(heights) if heights.size else 0.0, np.median(away) if away.size else 0.0)
    if curve.size and np.max(curve) > 2.5 * typical > 0:
        ax.set_ylim(0.0, 1.6 * typical)
    if notes:
        ax.text(0.97, 0.95, "\n".join(notes), transform=ax.transAxes, ha="right", va="top", fontsize=7,
                bbox=dict(boxstyle="round", fc="white", ec="0.7", alpha=0.9))


def fig_jacobian_spectra(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    theory, atoms, panels, configs = d.csv("theory"), d.csv("atoms"), d.csv("panels"), d.csv("configs")
    labels = d.config.get("configurations", [])
    depths = d.config.get("depths", sorted(set(panels["depth"])))
    fig, axes = plt.subplots(len(labels), len(depths), figsize=(max(3.1 * len(depths), 9.0), 2.4 * len(labels)),
                             squeeze=False)
    colors = _colors(len(labels))
    for k, label in enumerate(labels):
        for j, depth in enumerate(depths):
            ax = axes[k, j]
            sel = (theory["config"] == k) & (theory["depth"] == depth)
            asel = (atoms["config"] == k) & (atoms["depth"] == depth)
            samples = d.npy(f"samples_{k}_{int(depth)}")
            _spectrum_panel(ax, theory["lambda"][sel], theory["density"][sel], samples, _atoms_of(atoms, asel),
                            color=colors[k])
            p = (panels["config"] == k) & (panels["depth"] == depth)
            ks = float(panels["ks"][p][0]) if p.any() else float("nan")
            var_t = float(panels["variance_theory"][p][0]) if p.any() else float("nan")
            var_s = float(panels["variance"][p][0]) if p.any() else float("nan")
            ax.set_title(f"{label}, L = {int(depth)}\nvar {var_s:.3g} (theory {var_t:.3g}), KS {ks:.3f}", fontsize=8)
            if j == 0:
                w2, b2 = configs["sigma_w2"][k], configs["sigma_b2"][k]
                ax.set_ylabel(rf"$\sigma_w^2={w2:.4g}$, $\sigma_b^2={b2:.2g}$" + "\ndensity", fontsize=8)
    axes[0, 0].legend(loc="upper left", fontsize=7)
    fig.suptitle("Spectra of $JJ^T$ at criticality: free probability (lines) over finite networks (histograms) "
                 "(Pennington et al. 2017, Fig. 1)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_spectral_spread(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    t = d.csv("spread")
    labels = d.config.get("configurations", [])
    colors = _colors(len(labels))
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    for k, label in enumerate(labels):
        s = t["config"] == k
        depth = t["depth"][s]
        style = "--" if "gaussian" in label else "-"
        for ax, th, sim, sem in ((axes[0], "variance_theory", "variance", "variance_sem"),
                                 (axes[1], "lambda_max_theory", "lambda_max_sim", None)):
            if np.max(np.abs(t[th][s])) < 1e-12:
                continue  # exact isometry: variance 0 has no place on a log axis
            ax.plot(depth, t[th][s], color=colors[k], ls=style, label=f"{label} (theory)")
            err = t[sem][s] if sem else np.zeros(depth.size)
            _sim(ax, depth, t[sim][s], err, colors[k], markers[k % len(markers)])
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("depth $L$")
    axes[0].set_ylabel(r"variance of $\lambda$ (squared singular values)")
    axes[0].set_title("(A) spread of the spectrum (orthogonal linear: exactly 0, not drawn)")
    axes[1].set_ylabel(r"$\lambda_{\max}$")
    axes[1].set_title(r"(B) largest eigenvalue of $JJ^T$: theory edge vs largest sample")
    axes[0].legend(fontsize=7, loc="upper left", ncol=1)
    fig.suptitle("Dynamical isometry against depth: only orthogonal weights with sigmoid-like activations near "
                 "q* = 0 stay concentrated (Pennington et al. 2017, Table 1)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_universality(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    t, atoms = d.csv("densities"), d.csv("atoms")
    acts = d.config.get("activations", ["tanh", "hard_tanh"])
    depths = d.config.get("depths", [])
    sim_depth = d.config.get("simulated_depth")
    fig, axes = plt.subplots(1, len(acts), figsize=(5.5 * len(acts), 4.4), squeeze=False)
    colors = _colors(len(depths))
    for k, act in enumerate(acts):
        ax = axes[0, k]
        samples = d.npy(f"samples_{act}").ravel()
        # The atom at p^-L (Bernoulli class) is listed, not drawn: the histogram is the continuous part.
        keep = samples > 1e-10  # the atom at 0 (rank deficiency) is not part of the continuous density
        sim_atoms = (atoms["activation"] == k) & (atoms["depth"] == sim_depth) & (atoms["location"] > 0)
        sim_note = []
        for loc, m in _atoms_of(atoms, sim_atoms):
            at = np.abs(samples - loc) <= 1e-6 * loc
            keep &= ~at
            sim_note.append(f"finite networks, L = {sim_depth}: {at.mean():.3f} at {loc:.4g}")
        counts, edges = np.histogram(samples[keep], bins=70, range=(0.0, 3.2))
        heights = counts / samples.size / np.diff(edges)
        ax.bar(edges[:-1], heights, width=np.diff(edges), align="edge", color="0.6", alpha=0.45,
               label=f"finite networks, L = {sim_depth}")
        ax.set_ylim(0.0, max(1.25 * heights.max(), 1.1))
        for j, depth in enumerate(depths):
            s = (t["activation"] == k) & (t["depth"] == depth)
            ax.plot(t["lambda"][s], t["density"][s], color=colors[j], lw=1.2, label=f"theory, L = {depth}")
        s = (t["activation"] == k) & (t["depth"] == 0)
        ax.plot(t["lambda"][s], t["density"][s], color="k", ls="--", lw=1.5, label=r"universal limit $L\to\infty$")
        notes = []
        for depth in depths + [0]:
            a = (atoms["activation"] == k) & (atoms["depth"] == depth) & (atoms["location"] > 0)
            for loc, m in _atoms_of(atoms, a):
                notes.append(f"{'limit' if depth == 0 else f'L = {depth}'}: atom {m:.3f} at {loc:.4g}")
        notes += sim_note
        if notes:
            ax.text(0.97, 0.6, "\n".join(notes[-5:]), transform=ax.transAxes, ha="right", va="top", fontsize=7,
                    bbox=dict(boxstyle="round", fc="white", ec="0.7", alpha=0.9))
        ax.set_xlim(0.0, 3.2)
        ax.set_xlabel(r"$\lambda$")
        ax.set_ylabel("density")
        cls = "smooth class: $S(m) = e^{-\\sigma^2 m}$" if act == "tanh" else \
            "Bernoulli class: $S(m) = e^{-\\sigma^2 m/(1+m)}$"
        ax.set_title(f"({'AB'[k]}) orthogonal {act}, variance {d.config.get('variance')} at every depth\n{cls}",
                     fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle("Universal large-depth spectra of orthogonal networks on the critical line "
                 "(Pennington et al. 2018)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_deep_products(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    depth = d.config.get("depth")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    _spectrum_panel(axes[0], d.npy("tanh_lambda"), d.npy("tanh_density"), d.npy("tanh_samples"), [], color="C0")
    c = d.config.get("tanh", {})
    axes[0].set_title(f"(A) orthogonal tanh, L = {depth}, N = {c.get('width')}, q* = {c.get('q_star', 0):.3g} "
                      f"({c.get('method')} product)", fontsize=9)
    axes[0].set_ylabel("density")
    axes[0].legend(fontsize=7, loc="upper left")
    t = d.csv("lyapunov")
    g = d.config.get("gaussian_linear", {})
    axes[1].plot(t["index"], t["exponent_theory"], color="k", label=r"exact: $\psi((N-i+1)/2) + \ln(2/N)$")
    _sim(axes[1], t["index"], t["exponent_mean"], t["exponent_sem"], "C1", label="finite products (mean ± s.e.)")
    axes[1].set_xlabel("index $i$ of the singular value")
    axes[1].set_ylabel(r"$\log s_i^2 / L$")
    axes[1].set_title(f"(B) Gaussian linear products, L = {depth}, N = {g.get('width')} ({g.get('method')} method)",
                      fontsize=9)
    axes[1].legend(fontsize=7)
    fig.suptitle("Ten-thousand-layer Jacobians: finite and correct at any spread", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


# ---- expressivity ---------------------------------------------------------------------------------

def fig_manifold_geometry(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    t = d.csv("layers")
    line = d.csv("growth_line")
    sigmas = d.config.get("sigma_w", sorted(set(t["sigma_w"])))
    colors = _colors(len(sigmas))
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    panels = [(axes[0, 0], "length2", r"$\bar g^l = |\partial_\theta h^l|^2 / N$", "(A) squared length per neuron"),
              (axes[0, 1], "curvature2", r"$\bar\kappa^2 = N \kappa^2$", "(B) extrinsic curvature"),
              (axes[1, 0], "grassmannian", r"$\mathcal{L}^G$", "(C) Grassmannian length")]
    for k, sw in enumerate(sigmas):
        s = np.isclose(t["sigma_w"], sw)
        for ax, key, ylabel, title in panels:
            ax.plot(t["layer"][s], t[key + "_theory"][s], color=colors[k], label=rf"$\sigma_w = {sw:g}$ (theory)")
            _sim(ax, t["layer"][s], t[key][s], t[key + "_sem"][s], colors[k])
            fd = t[key + "_fd"][s] * np.where(t["resolved"][s] > 0, 1.0, np.nan)
            ax.plot(t["layer"][s], fd, ls="none", marker="x", ms=4, color=colors[k])
            ax.set_ylabel(ylabel)
            ax.set_title(title, fontsize=9)
    for ax, _, _, _ in panels:
        ax.set_yscale("log")
        ax.set_xlabel("layer $l$")
    axes[0, 0].legend(handles=_legend_handles(
        [("line", colors[k], rf"$\sigma_w = {sw:g}$ theory") for k, sw in enumerate(sigmas)]
        + [("point", "0.3", "o", "finite networks, exact derivatives"),
           ("point", "0.3", "x", "finite differences (resolved layers)")]), fontsize=7, loc="upper left")
    ax = axes[1, 1]
    ax.plot(line["sigma_w2"], line["length_growth"], color="k", label=r"$\sqrt{\chi_1}$ (theory)")
    ax.axhline(1.0, color="0.5", ls="--", lw=0.8)
    for k, sw in enumerate(sigmas):
        s = np.isclose(t["sigma_w"], sw) & (t["layer"] >= 2)
        g = t["length2"][s]
        growth = np.sqrt(g[-1] / g[0]) ** (1.0 / max(len(g) - 1, 1))
        ax.plot(sw * sw, growth, "o", color=colors[k], ms=6)
    ax.set_xscale("log")
    ax.set_xlabel(r"$\sigma_w^2$")
    ax.set_ylabel("length growth per layer")
    ax.set_title(r"(D) growth of the length per layer across the transition ($\sigma_b^2 = %g$)"
                 % d.config.get("sigma_b2", 0.09), fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle("A great circle through deep tanh networks: theory (lines) vs finite networks (points) "
                 "(Poole et al. 2016, Fig. 4)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_manifold_pca(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    sigmas = d.config.get("sigma_w", [1.0, 4.0])
    layers = d.config.get("layers", [1, 3, 6, 10])
    explained = d.meta.get("agreement", {}).get("explained_variance_top3", {})
    fig = plt.figure(figsize=(3.0 * len(layers), 3.0 * len(sigmas)))
    for i, sw in enumerate(sigmas):
        ex = list(explained.values())[i] if i < len(explained) else []
        for j, layer in enumerate(layers):
            ax = fig.add_subplot(len(sigmas), len(layers), i * len(layers) + j + 1, projection="3d")
            p = d.npy(f"pca_sigma{i}_layer{int(layer)}")
            theta = np.linspace(0.0, 1.0, p.shape[0])
            ax.scatter(p[:, 0], p[:, 1], p[:, 2], c=theta, cmap="hsv", s=2)
            ax.plot(np.append(p[:, 0], p[0, 0]), np.append(p[:, 1], p[0, 1]), np.append(p[:, 2], p[0, 2]),
                    color="0.3", lw=0.5)
            frac = f", top-3 variance {sum(ex[j]):.2f}" if j < len(ex) else ""
            ax.set_title(rf"$\sigma_w = {sw:g}$, layer {int(layer)}{frac}", fontsize=8)
            ax.set_xticklabels([])
            ax.set_yticklabels([])
            ax.set_zticklabels([])
    fig.suptitle("The circle projected on its top three principal components: ordered (top) vs chaotic (bottom) "
                 "(Poole et al. 2016, Fig. 3)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_transitions(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    t = d.csv("transitions")
    sh = d.csv("shallow_vs_deep")
    runs = d.config.get("runs", [])
    colors = _colors(len(runs))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    for k, label in enumerate(runs):
        s = t["run"] == k
        ax = axes[0]
        ax.plot(t["layer"][s], t["transitions_theory"][s], color=colors[k], label=f"{label}: Rice")
        res = t["resolved"][s] > 0
        _sim(ax, t["layer"][s][res], t["transitions"][s][res], t["transitions_sem"][s][res], colors[k])
        ax = axes[1]
        _sim(ax, t["layer"][s], t["regions"][s], t["regions_sem"][s], colors[k], label=label)
        ax.plot(t["layer"][s], t["length"][s], ls=":", color=colors[k])
    axes[0].set_yscale("log")
    axes[0].set_xlabel("layer $l$")
    axes[0].set_ylabel("pattern transitions per neuron along the circle")
    axes[0].set_title("(A) transitions per layer: theory (lines) vs finite networks", fontsize=9)
    axes[0].legend(fontsize=7)
    axes[1].set_yscale("log")
    axes[1].set_xlabel("layer $l$")
    axes[1].set_ylabel("linear regions crossed (layers 1..l); dotted: chord length")
    axes[1].set_title("(B) linear regions along the circle", fontsize=9)
    axes[1].legend(fontsize=7)
    ax = axes[2]
    ax.plot(sh["depth"], sh["width_needed"], color="k", label="width of a one-hidden-layer net with the same length")
    ax.set_yscale("log")
    ax.set_xlabel("depth $L$ of the deep network (width %d)" % d.config.get("width", 0))
    ax.set_ylabel("hidden units needed")
    ax.set_title(r"(C) shallow vs deep: tanh, $\sigma_w^2 = 16$, $\sigma_b^2 = 0.09$", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle("Expressivity of piecewise-linear networks: transitions and regions along a circle "
                 "(Raghu et al. 2017)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


FIGURES = {
    "length_map": fig_length_map,
    "phase_diagram": fig_phase_diagram,
    "depth_scales": fig_depth_scales,
    "trajectories": fig_trajectories,
    "jacobian_spectra": fig_jacobian_spectra,
    "spectral_spread": fig_spectral_spread,
    "universality": fig_universality,
    "deep_products": fig_deep_products,
    "manifold_geometry": fig_manifold_geometry,
    "manifold_pca": fig_manifold_pca,
    "transitions": fig_transitions,
}
for _plugin in PLUGINS:
    FIGURES.update(_plugin.FIGURES)


# --------------------------------------------------------------------------------------------------
# Captions


def caption(name: str, meta: dict) -> str:
    """One paragraph: what is shown and with which parameters (plain text, escaped later)."""
    for plugin in PLUGINS:
        if name in plugin.FIGURES:
            return plugin.caption(name, meta)
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
    if name == "jacobian_spectra":
        return (
            f"Pennington, Schoenholz & Ganguli 2017 ({PE17}), Fig. 1: the spectral density of J J^T (J the "
            "input-output Jacobian, lambda the squared singular values) at criticality (chi_1 = 1), from the "
            "free-probability product S_JJ^T = S_{W^T W}^L S_{D^2}^L solved by complex Newton continuation (lines; "
            "point masses listed in the boxes), over the eigenvalues of finite networks (histograms; width "
            f"N = {width}, {c.get('networks_per_panel')} networks per panel, inputs at the fixed point). Rows: "
            f"{_fmt(c.get('configurations'))}; tanh and hard_tanh sit on the critical line at q* = "
            f"{_fmt(c.get('q_star_tanh'))} and {_fmt(c.get('q_star_hard_tanh'))} (hard tanh: an atom at p^-L while "
            "L (1 - p) < 1). Columns: depth L = {_fmt(c.get('depths'))}. Wide spectra are drawn "
            "as densities of log10 lambda over the nonzero eigenvalues. Gaussian weights and relu spread with depth "
            "whatever the initialization; orthogonal weights with tanh or hard tanh near q* = 0 stay near 1 "
            "(dynamical isometry). Titles: the variance of lambda (simulation and theory) and the Kolmogorov "
            "distance between the empirical and theoretical distribution functions; finite-width corrections grow "
            "like L/N."
        )
    if name == "spectral_spread":
        return (
            f"The variance of the squared singular values of J and the largest eigenvalue of J J^T against depth "
            f"({PE17}, Table 1): lines are the free-probability values on the critical line, L (mu_2/mu_1^2 - 1) "
            "for orthogonal and L mu_2/mu_1^2 for Gaussian weights (mu_k = E[phi'(h)^{2k}]): 2L and L for relu, "
            "L and 0 for linear networks; points are finite networks (width "
            f"N = {width}, {c.get('networks_per_point')} networks per point; mean ± standard error over "
            f"networks). tanh at q* = {_fmt(c.get('q_star_tanh'))}, hard tanh at q* = "
            f"{_fmt(c.get('q_star_hard_tanh'))}; orthogonal linear networks (variance exactly 0) are left out of the "
            "log axes. Dashed: Gaussian "
            "weights, solid: orthogonal."
        )
    if name == "universality":
        return (
            f"Pennington, Schoenholz & Ganguli 2018 ({PE18}): orthogonal networks on the critical line with q* "
            f"chosen at each depth L = {_fmt(c.get('depths'))} so that the variance L (mu_2/mu_1^2 - 1) = "
            f"{_fmt(c.get('variance'))} stays fixed. Their free-probability densities approach limits that depend "
            "only on the class of phi'^2: smooth activations (tanh) the free log-normal-like law "
            "S(m) = exp(-sigma^2 m), piecewise-linear ones (hard tanh, phi'^2 Bernoulli) the law "
            "S(m) = exp(-sigma^2 m/(1+m)) with an atom of mass 1 - sigma^2 at e^{sigma^2}. The convergence is slow "
            f"(corrections ~ L^-1/2). Histograms: finite networks at L = {c.get('simulated_depth')} (width "
            f"{width}, {c.get('networks')} networks)."
        )
    if name == "deep_products":
        a = c.get("tanh", {})
        g = c.get("gaussian_linear", {})
        return (
            f"Products of L = {c.get('depth')} layers. (A) Orthogonal tanh networks at the critical q* = "
            f"{_fmt(a.get('q_star'))} whose spectrum has variance 0.25 at this depth (the designer's answer), width "
            f"{a.get('width')}, {a.get('networks')} networks, {a.get('method')} product: the spectrum stays "
            "concentrated near 1 and matches the free-probability density. (B) Gaussian linear networks (width "
            f"{g.get('width')}, {g.get('networks')} networks): their singular values span thousands of decades, "
            "beyond double precision, so the product is kept as Q R with a row-scaled triangular factor (QR "
            "re-orthonormalisation, as for Lyapunov spectra) and its singular values come from a one-sided Jacobi "
            "SVD in scaled form. The mean of log s_i^2 / L matches the exact finite-N exponents "
            "psi((N-i+1)/2) + ln(2/N) of Ginibre products."
        )
    if name == "manifold_geometry":
        return (
            f"Poole et al. 2016 ({P16}), Fig. 4: a great circle h^1(theta) = sqrt(N q*) (u0 cos theta + u1 sin "
            f"theta) through tanh networks with sigma_b = {_fmt(c.get('sigma_b'))} and sigma_w = "
            f"{_fmt(c.get('sigma_w'))} (standard deviations), width N = {width}, {c.get('networks_per_sigma_w')} "
            f"Gaussian networks per sigma_w, {c.get('points')} points on the circle. Lines: the mean-field "
            "recursions gbar^l = chi gbar^{l-1}, kbar^l^2 = kbar^{l-1}^2/chi + 3 chi_2/chi^2 and "
            "(L^G_l)^2 = (L^G_{l-1})^2 + 4 pi^2 (3 chi_2/chi) gbar^{l-1}. Points: finite networks with the tangent "
            "and acceleration propagated exactly (mean ± standard error over networks); crosses: finite differences "
            "of the sampled curve where it is resolved (halving the samples changes its length by < 1%). In the "
            "chaotic phase the length and the Grassmannian length grow exponentially while the curvature settles at "
            "3 chi_2/(chi_1 (chi_1 - 1)); in the ordered phase the curve shrinks and bends. (D) The length growth "
            "per layer sqrt(chi_1) against sigma_w^2 (theory line) and measured over the simulated layers (points)."
        )
    if name == "manifold_pca":
        return (
            f"Poole et al. 2016 ({P16}), Fig. 3: the propagated circle projected on its top three principal "
            f"components at layers {_fmt(c.get('layers'))} of one tanh network (width {width}, sigma_b2 = "
            f"{_fmt(c.get('sigma_b2'))}), ordered (sigma_w = {_fmt((c.get('sigma_w') or [None])[0])}) and chaotic "
            f"(sigma_w = {_fmt((c.get('sigma_w') or [None, None])[-1])}); colour runs along the circle. The "
            "ordered network contracts the circle; the chaotic one folds it into more and more dimensions (the "
            "top-3 share of the variance falls with depth)."
        )
    if name == "transitions":
        return (
            f"Raghu et al. 2017 ({R17}): a great circle at the fixed point through relu and hard-tanh networks "
            f"({_fmt(c.get('runs'))}; width {width}, {c.get('networks_per_run')} networks per run, "
            f"{c.get('points')} points). (A) Activation-pattern transitions per neuron along the circle (sign "
            "changes for relu, crossings of +-1 for hard tanh): Rice's formula 2 sqrt(gbar/q) exp(-u^2/(2q)) per "
            "level u on the mean-field (q, gbar) (lines) vs finite networks (points, where the sampled circle is "
            "resolved). Relu at He initialization keeps two per neuron at every depth; chaotic hard tanh grows "
            "them exponentially with the length. (B) Linear regions the circle crosses in layers 1..l. (C) The "
            "hidden width a one-hidden-layer tanh network needs for its image of the circle to be as long as that "
            f"of a deep chaotic network ({P16} sec. 5): N chi_1^(L-2), exponential in depth."
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
