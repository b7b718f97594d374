"""Figures and captions of the deeplinear module (learning dynamics, semantic development, generalization): one fig_<name>(d, path) per reproduction in FIGURES, and
caption(name, meta) -> one plain-text paragraph. Helpers come from _report_common."""

from __future__ import annotations

if __package__:
    from ._report_common import Data, _colors, _fmt, _legend_handles, _save_figure, _sim  # noqa: F401
else:  # imported by report.py run as a file
    from _report_common import Data, _colors, _fmt, _legend_handles, _save_figure, _sim  # noqa: F401

S14 = "Saxe, McClelland & Ganguli, ICLR 2014 (arXiv:1312.6120)"
S19 = "Saxe, McClelland & Ganguli, PNAS 2019 (arXiv:1810.10531)"
AS = "Advani & Saxe 2017 (arXiv:1710.03667)"


def _every(n: int, k: int):
    """Indices 0, step, 2 step, ... so that about k of n points are drawn (simulation markers)."""
    import numpy as np

    return np.arange(0, n, max(1, n // max(k, 1)))


def fig_mode_dynamics(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    bal = d.csv("balanced")
    th = d.csv("theory")
    rnd = d.csv("random_init")
    lt = d.csv("learning_time")
    s = d.config.get("singular_values", [])
    modes = int(max(th["mode"])) + 1
    colors = _colors(modes)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.6))
    for k, depth in enumerate(d.config.get("depths", [1, 2, 3])):
        ax = axes[0, k]
        for m in range(modes):
            sel = (th["depth"] == depth) & (th["mode"] == m)
            ax.plot(th["time"][sel], th["theory"][sel], color=colors[m], lw=1.4)
            sb = (bal["depth"] == depth) & (bal["mode"] == m)
            idx = _every(int(sb.sum()), 18)
            ax.plot(bal["time"][sb][idx], bal["simulation"][sb][idx], "o", ms=3.5, color=colors[m], mec="white",
                    mew=0.4)
        kind = "shallow: simultaneous exponentials" if depth == 1 else "deep: sigmoidal, stage-like"
        ax.set_title(f"({'ABC'[k]}) D = {depth} weight matrices ({kind})", fontsize=9)
        ax.set_xlabel(r"time $t/\tau$")
        ax.set_ylabel(r"mode strength $a_\alpha(t) = u_\alpha^T W_{tot} v_\alpha$")
    axes[0, 0].legend(handles=_legend_handles(
        [("line", colors[m], f"s = {s[m]:.3g}" if m < len(s) else f"mode {m + 1}") for m in range(modes)]
        + [("line", "0.3", "closed form"), ("point", "0.3", "o", "gradient descent (decoupled init)")]),
        fontsize=6.5, loc="lower right", ncol=2)
    ax = axes[1, 0]
    for m in range(modes):
        sel = rnd["mode"] == m
        ax.plot(rnd["time"][sel], rnd["theory"][sel], color=colors[m], lw=1.2)
        _sim(ax, rnd["time"][sel], rnd["mean"][sel], rnd["sem"][sel], colors[m])
    ax.set_title(r"(D) D = 2 from small random init: closed form at $a_0 = E[a_0^{eff}]$ vs networks", fontsize=9)
    ax.set_xlabel(r"time $t/\tau$")
    ax.set_ylabel(r"$a_\alpha(t)$ (mean $\pm$ s.e. over networks)")
    ax = axes[1, 1]
    ax.plot(lt["depth"], lt["theory_per_layer_c0"], "-", color="C3", label=r"theory, per-layer scale $c_0$ ($u_0 = c_0^D$)")
    ax.plot(lt["depth"], lt["theory_composite_u0"], "-", color="C0", label=r"theory, composite $u_0$ fixed")
    ax.plot(lt["depth"], lt["simulation_per_layer_c0"], "s", color="C3", ms=5, label="GD, decoupled init, $c_0$")
    ax.plot(lt["depth"], lt["simulation_composite_u0"], "o", color="C0", ms=5, label="GD, decoupled orthogonal init, $u_0$")
    _sim(ax, lt["depth"], lt["random_gaussian_mean"], lt["random_gaussian_sem"], "C1", marker="^",
         label="GD, random Gaussian init (gain $c_0$)")
    ax.set_yscale("log")
    ax.set_xlabel("depth D (weight matrices)")
    ax.set_ylabel(r"learning time $t/\tau$ to $u = 0.9 s$")
    ax.set_title("(E) learning time against depth", fontsize=9)
    ax.legend(fontsize=6.5)
    ax = axes[1, 2]
    D = lt["depth"]
    ax.plot(D, D * lt["theory_per_layer_c0"], "-", color="C3", label=r"per-layer scale $c_0$")
    ax.plot(D, D * lt["theory_composite_u0"], "-", color="C0", label=r"composite $u_0$ fixed")
    ax.plot(D, D * lt["infinite_depth_limit"], ":", color="C0", label=r"$D \to \infty$ limit")
    ax.plot(D, D * lt["simulation_per_layer_c0"], "s", color="C3", ms=5)
    ax.plot(D, D * lt["simulation_composite_u0"], "o", color="C0", ms=5)
    _sim(ax, D, D * lt["random_gaussian_mean"], D * lt["random_gaussian_sem"], "C1", marker="^")
    ax.set_yscale("log")
    ax.set_xlabel("depth D")
    ax.set_ylabel(r"$D\,t/\tau$ (iterations at a step $\eta \propto 1/D$)")
    ax.set_title("(F) training iterations: depth-independent only at fixed composite scale", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle("Exact learning dynamics of deep linear networks on the living-things data: closed form (lines) vs "
                 "gradient descent (points) (Saxe et al. 2014; 2019, Fig. 3)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_semantic_development(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    mds = d.csv("mds")
    ill = d.csv("illusory")
    ill_t = d.csv("illusory_theory")
    items = d.config.get("items", [])
    n = int(max(mds["item"])) + 1
    colors = _colors(n)
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.8), gridspec_kw={"width_ratios": [1.4, 1.2, 1, 1]})
    ax = axes[0]
    for i in range(n):
        sel = mds["item"] == i
        ax.plot(mds["theory_x"][sel], mds["theory_y"][sel], "-", color=colors[i], lw=1.3)
        idx = _every(int(sel.sum()), 10)
        ax.plot(mds["simulation_x"][sel][idx], mds["simulation_y"][sel][idx], "o", ms=3.5, color=colors[i],
                mec="white", mew=0.4)
        ax.annotate(items[i] if i < len(items) else str(i), (mds["theory_x"][sel][-1], mds["theory_y"][sel][-1]),
                    fontsize=8, color=colors[i], xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("MDS 1")
    ax.set_ylabel("MDS 2")
    ax.set_title("(A) hidden representations through development (start at the origin)", fontsize=9)
    ax.legend(handles=_legend_handles([("line", "0.3", "closed form"),
                                       ("point", "0.3", "o", "trained networks (mean Gram, Procrustes-aligned)")]),
              fontsize=7)
    ax = axes[1]
    ax.plot(ill_t["time"], ill_t["theory"], color="C3", label="closed form")
    _sim(ax, ill["time"], ill["mean"], ill["sem"], "C3", label="trained networks (mean ± s.e.)")
    ax.axhline(0.0, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel(r"time $t/\tau$")
    ax.set_ylabel(r"predicted value $\hat y$")
    ax.set_title(f"(B) illusory correlation: {d.config.get('illusory_item', 'pine')} has "
                 f"{d.config.get('illusory_attribute', 'leaves')} (target 0)", fontsize=9)
    ax.legend(fontsize=7)
    for k, (name, title) in enumerate([("rsm_theory", "(C) hidden similarity at convergence: (Y^T Y)^{1/2}"),
                                       ("rsm_simulation", "(D) trained network at the end")]):
        ax = axes[2 + k]
        m = d.npy(name)
        im = ax.imshow(m, cmap="viridis")
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
        ax.set_xticklabels(items[:n], rotation=90, fontsize=7)
        ax.set_yticklabels(items[:n], fontsize=7)
        ax.grid(False)
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.7)
    fig.suptitle("Semantic development in a deep linear network: progressive differentiation and illusory "
                 "correlations (Saxe et al. 2019, Fig. 1)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_hierarchy_spectrum(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    lv = d.csv("levels")
    learn = d.csv("learning")
    trees = d.config.get("trees", [])
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.4))
    for ax, name, title in [(axes[0, 0], "sample_targets", "(A) a sample: features (rows) x items"),
                            (axes[0, 1], "covariance_theory", "(B) item covariance, theory q^k"),
                            (axes[0, 2], "covariance_sample", "(C) item covariance, sample mean")]:
        m = d.npy(name)
        im = ax.imshow(m, cmap="RdBu_r" if name == "sample_targets" else "viridis", aspect="auto",
                       interpolation="nearest")
        ax.grid(False)
        ax.set_title(title + (f" ({trees[0]})" if trees and name != "sample_targets" else ""), fontsize=9)
        ax.set_xlabel("item")
        fig.colorbar(im, ax=ax, shrink=0.8)
    ax = axes[1, 0]
    v = d.npy("object_analyzers")
    im = ax.imshow(v, cmap="RdBu_r", aspect="auto", interpolation="nearest", vmin=-np.abs(v).max(), vmax=np.abs(v).max())
    ax.grid(False)
    ax.set_xlabel("mode (coarse -> fine)")
    ax.set_ylabel("item")
    ax.set_title("(D) object analyzers: Haar-like wavelets on the tree", fontsize=9)
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax = axes[1, 1]
    colors = _colors(max(len(trees), 1))
    for t in range(len(trees)):
        sel = lv["tree"] == t
        ax.plot(lv["level"][sel], lv["singular_value"][sel], "-", color=colors[t], label=f"{trees[t]}: theory")
        _sim(ax, lv["level"][sel], lv["singular_value_sample"][sel], lv["singular_value_sample_sem"][sel], colors[t],
             label="samples (sorted, mean per level)")
        ax.plot(lv["level"][sel], np.sqrt(d.config.get("features", 1) * lv["eigenvalue_sample"][sel]), "x",
                color=colors[t], ms=6)
    ax.set_xlabel("tree level k (0 = root)")
    ax.set_ylabel(r"singular value $\sqrt{N_f \lambda_k}$")
    ax.set_title("(E) singular values by level: coarse > fine (x: level-subspace projections)", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[1, 2]
    modes = int(max(learn["mode"])) + 1
    mc = _colors(modes)
    for m in range(modes):
        sel = learn["mode"] == m
        sv = learn["singular_value"][sel][0]
        if sv <= 0:
            continue
        ax.plot(learn["time"][sel], learn["theory"][sel] / sv, color=mc[m], lw=1.3)
        idx = _every(int(sel.sum()), 16)
        ax.plot(learn["time"][sel][idx], learn["simulation"][sel][idx] / sv, "o", color=mc[m], ms=3.5, mec="white",
                mew=0.4)
    ax.set_xlabel(r"time $t/\tau$")
    ax.set_ylabel(r"$a_\alpha(t) / s_\alpha$")
    ax.set_title("(F) learning on one sample: coarse modes first (lines theory, points GD)", fontsize=9)
    fig.suptitle("Hierarchical data by branching diffusion: item covariance, its eigenvectors and singular values by "
                 "level, theory vs samples (Saxe et al. 2019, Fig. 4)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_generalization_dynamics(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    at = d.csv("alpha_theory")
    ps = d.csv("alpha_simulation")
    cs = d.csv("curves_simulation")
    ct = d.csv("curves_theory")
    stops = d.meta.get("agreement", {}).get("optimal_stopping", {})
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.9))
    ax = axes[0]
    inf = np.where(np.abs(at["alpha"] - 1.0) < 1e-9, np.nan, at["test_error_inf"])
    ax.plot(at["alpha"], inf, color="k", label=r"$t \to \infty$")
    ax.plot(at["alpha"], at["test_error_t_long"], color="0.5", ls="--",
            label=f"t = {_fmt(d.config.get('t_long'))}")
    ax.plot(at["alpha"], at["test_error_t_star"], color="C2", label=r"optimal stopping $t^*$")
    ax.plot(at["alpha"], at["test_error_optimal_ridge"], color="C4", ls=":", label="optimal ridge")
    for kind, color, label in [(0, "C2", r"networks at $t^*$"), (1, "0.4", "networks at t long")]:
        sel = ps["kind"] == kind
        _sim(ax, ps["alpha"][sel], ps["test_mean"][sel], ps["test_sem"][sel], color, label=label)
    ax.axvline(1.0, color="C3", lw=0.8, ls=":")
    ax.set_ylim(0, 2.0)
    ax.set_xlabel(r"load $\alpha = P/N$")
    ax.set_ylabel("test error (includes the noise variance)")
    ax.set_title(r"(A) test error against $\alpha$: the peak at $\alpha = 1$", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[1]
    alphas = sorted(set(ct["alpha"]))
    colors = _colors(len(alphas))
    for k, a in enumerate(alphas):
        sel = ct["alpha"] == a
        ax.plot(ct["time"][sel], ct["test_error"][sel], color=colors[k], label=rf"$\alpha = {a:g}$ test")
        ax.plot(ct["time"][sel], ct["train_error"][sel], color=colors[k], ls="--")
        ss = cs["alpha"] == a
        _sim(ax, cs["time"][ss], cs["test_mean"][ss], cs["test_sem"][ss], colors[k])
        _sim(ax, cs["time"][ss], cs["train_mean"][ss], cs["train_sem"][ss], colors[k], marker="s")
        st = stops.get(str(a)) or stops.get(f"{a:g}") or stops.get(repr(float(a)))
        if st and st.get("t_star") is not None:
            ax.axvline(st["t_star"], color=colors[k], lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-3, 10.0)  # below alpha = 1 the training error decays to 0
    ax.set_xlabel(r"training time $t/\tau$")
    ax.set_ylabel("error")
    ax.set_title(r"(B) test (solid, o) and training (dashed, s) error; dotted: $t^*$", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[2]
    ax.plot(at["alpha"], at["t_star"], color="C2")
    ax.set_yscale("log")
    ax.set_xlabel(r"load $\alpha$")
    ax.set_ylabel(r"optimal stopping time $t^*/\tau$")
    ax.axvline(1.0, color="C3", lw=0.8, ls=":")
    ax.set_title(f"(C) optimal early-stopping time (SNR = {_fmt(d.config.get('snr'))})", fontsize=9)
    fig.suptitle("Generalization dynamics of a linear student and a noisy teacher: Marchenko-Pastur theory (lines) vs "
                 "finite networks (points) (Advani & Saxe 2017)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


FIGURES: dict = {
    "mode_dynamics": fig_mode_dynamics,
    "semantic_development": fig_semantic_development,
    "hierarchy_spectrum": fig_hierarchy_spectrum,
    "generalization_dynamics": fig_generalization_dynamics,
}


def caption(name: str, meta: dict) -> str:
    c = meta.get("config", {})
    a = meta.get("agreement", {})
    if name == "mode_dynamics":
        dec = a.get("decoupled_init", {})
        devs = ", ".join(f"{k}: {_fmt(v.get('max_relative_deviation'))}" for k, v in dec.items())
        return (
            f"Saxe et al. 2014 ({S14}) and 2019 ({S19}), Fig. 3: the mode strengths a_alpha(t) = u_alpha^T W_tot(t) "
            "v_alpha of the eight-item, 36-attribute living-things data (measured on the target's singular vectors), "
            f"sum convention, tau = 1. (A-C) Decoupled (balanced) init with every mode at a0 = {_fmt(c.get('a0'))}: "
            "closed form (lines: D = 1 the exponential, D = 2 the sigmoid, D = 3 the deep ODE) against full-batch "
            f"gradient descent (points; hidden width {c.get('decoupled_width')}, eta s_max = {_fmt(c.get('eta_s_max'))}). "
            "The shallow network learns every mode with the same time constant; deep networks learn them one at a "
            f"time, largest singular value first. Largest deviation / s: {devs} (Euler tolerance ~3 eta s_max = "
            f"{_fmt(a.get('decoupled_tolerance'))}). (D) From small random Gaussian init (hidden width "
            f"{c.get('width')}, entry variance {_fmt(c.get('random_init_sigma0_2'))}, {c.get('random_init_networks')} networks, mean ± standard "
            "error) against the closed form at a0 = E[a0_eff] = width sigma0^2 / 2; largest deviation / s "
            f"{_fmt(a.get('random_init_max_deviation_mean_a0'))} (with each network's own a0_eff: "
            f"{_fmt(a.get('random_init_max_deviation_own_a0'))}). (E, F) Learning time from u0 to 0.9 s for the "
            f"identity task (s = 1) against depth: a per-layer scale c0 = {_fmt(c.get('depth_c0'))} (u0 = c0^D, the "
            "scaled-Gaussian regime) makes learning slow down exponentially with depth, while a depth-independent "
            f"composite u0 = {_fmt(c.get('depth_u0'))} (decoupled orthogonal init) keeps D t, the number of steps at "
            "a learning rate ~ 1/D, finite (dotted: the D -> infinity limit). Points: gradient descent (eta = 0.01/D); "
            f"triangles: random Gaussian init, hidden width 16, entries N(0, (c0/4)^2) so each hidden layer has gain c0 "
            f"({c.get('depth_random_networks')} networks; missing where they do not reach the criterion within 6x the "
            "theory's time). "
            "Largest relative deviation of the decoupled runs from the theory: "
            f"{_fmt(a.get('learning_time_max_relative_deviation'))}."
        )
    if name == "semantic_development":
        return (
            f"Saxe et al. 2019 ({S19}), Fig. 1: a two-layer linear network (hidden width {c.get('width')}) learns "
            f"the living-things data from small random init (entry variance {_fmt(c.get('sigma0_2'))}, so "
            f"E[a0_eff] = {_fmt(c.get('a0'))}); {c.get('networks')} networks, eta = {_fmt(c.get('learning_rate'))}. "
            "(A) Classical MDS of the items' hidden representations over development (lines: closed form "
            "A(t)^{1/2} V^T; points: MDS of the networks' mean hidden Gram matrix H^T H, Procrustes-aligned): items first move together, then "
            "split into plants and animals, then birds/fish and trees/flowers, then individual items (progressive "
            "differentiation). (B) The illusory correlation 'pine has leaves': the prediction rises to "
            f"{_fmt(a.get('illusory_peak_theory'))} at t = {_fmt(a.get('illusory_peak_time_theory'))} (closed form; "
            f"networks: {_fmt(a.get('illusory_peak_simulation'))} at t ~ "
            f"{_fmt(a.get('illusory_peak_time_simulation'))}) because the plant mode is learned before the mode that "
            "separates pine from oak, then falls back to 0. Largest deviation of the network mean from the closed "
            f"form: {_fmt(a.get('illusory_max_abs_deviation_mean_a0'))}. (C, D) Hidden similarity at convergence: "
            "V S V^T = (Y^T Y)^{1/2}, independent of the hidden basis, next to the trained network's H^T H."
        )
    if name == "hierarchy_spectrum":
        ev = a.get("eigenvalues", {})
        return (
            f"Saxe et al. 2019 ({S19}), Fig. 4: features generated by branching diffusion down a tree (each "
            "feature's root is ±1, every edge flips the sign with probability eps); trees "
            f"{_fmt(c.get('trees'))}, N_f = {c.get('features')} features, {c.get('samples_per_tree')} sampled "
            "data sets per tree. (A) One sample, (B) the analytic item covariance q^k (q = (1 - 2 eps)^2, k = edges to "
            "the lowest common ancestor), (C) the sample mean, (D) its eigenvectors: Haar-like contrasts on the tree. "
            "(E) Singular values by level: theory sqrt(N_f lambda_k) (lines) against the sorted sample singular "
            "values averaged within each level (points, mean ± standard error) and the level-subspace projections "
            f"tr(P_k C P_k)/m_k (x; max |z| = {_fmt(ev.get('max_z'))} over {ev.get('points')} levels). Singular "
            "values decrease strictly from coarse to fine levels, so learning proceeds coarse to fine. (F) A "
            f"two-layer network (width {c.get('width')}) trained on one sample from decoupled init a0 = "
            f"{_fmt(c.get('a0'))}: closed form on the sample's singular values (lines) vs gradient descent (points); "
            f"largest deviation / s {_fmt(a.get('learning_max_relative_deviation'))}."
        )
    if name == "generalization_dynamics":
        return (
            f"Advani & Saxe ({AS}): a linear student trained by gradient flow on P = alpha N noisy examples of a "
            f"linear teacher (SNR = {_fmt(c.get('snr'))}, sigma_w^2 = {_fmt(c.get('sigma_w2'))}, sigma_eps^2 = "
            f"{_fmt(c.get('sigma_eps2'))}, student starting at 0; tau = 1). Lines: the Marchenko-Pastur theory; "
            f"points: finite networks with N = {c.get('inputs')} inputs, mean ± standard error over "
            f"{c.get('networks')} data sets. (A) Test error against the load alpha at t -> infinity (diverges at "
            "alpha = 1, where the number of examples equals the number of parameters), at t = "
            f"{_fmt(c.get('t_long'))} and at the optimal stopping time t*, with optimal ridge for comparison: early "
            "stopping removes the peak. Asymptotes: alpha = 0.5 -> "
            f"{_fmt(a.get('asymptote_alpha_0.5'))}, alpha = 2 -> {_fmt(a.get('asymptote_alpha_2'))}. (B) Training "
            f"(dashed) and test (solid) error over time for alpha in {{{_fmt(c.get('curve_alphas'))}}}: training "
            "error falls monotonically while the test error reaches its minimum at t* (dotted) and then rises. "
            "(C) t* against alpha."
        )
    raise KeyError(name)
