"""Figures and captions of the synapses module (memory curves, frontier, Benna-Fusi, Monte Carlo): one
fig_<name>(d, path) per reproduction in FIGURES, and caption(name, meta) -> one plain-text paragraph.
Helpers come from _report_common."""

from __future__ import annotations

if __package__:
    from ._report_common import Data, _colors, _fmt, _legend_handles, _save_figure, _sim  # noqa: F401
else:  # imported by report.py run as a file
    from _report_common import Data, _colors, _fmt, _legend_handles, _save_figure, _sim  # noqa: F401

LG13 = "Lahiri & Ganguli, NeurIPS 2013 ('A memory frontier for complex synapses')"
FDA05 = "Fusi, Drew & Abbott, Neuron 2005"
BF16 = "Benna & Fusi, Nat. Neurosci. 2016"
AF94 = "Amit & Fusi, Neural Comput. 1994"


def _palette(n: int):
    """tab10 without green and red, which the frontier figures reserve for the envelope and optimised models."""
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    keep = [0, 1, 4, 5, 6, 7, 8, 9]
    return [cmap(keep[i % len(keep)]) for i in range(n)]


def _positive(x, y, e):
    """Simulation points that can be drawn on log axes (mean > 0)."""
    import numpy as np

    keep = np.isfinite(y) & (y > 0)
    return x[keep], y[keep], e[keep]


def _loglog_sim(ax, x, y, e, color, marker="o", label=None):
    import numpy as np

    x, y, e = _positive(np.asarray(x), np.asarray(y), np.asarray(e))
    # Asymmetric bars clipped at a tenth of the mean so a bar reaching below zero stays drawable.
    lower = np.minimum(e, 0.9 * y)
    _sim(ax, x, y, np.vstack([lower, e]), color, marker=marker, label=label)


def fig_memory_curves(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    t = d.csv("theory")
    s = d.csv("simulation")
    models = d.config.get("models", ["cascade", "serial"])
    colors = _colors(len(models))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for k, m in enumerate(models):
        axes[0].loglog(t["time"], t["snr_" + m], color=colors[k], label=f"{m}: exact")
        sel = s["model"] == k
        _loglog_sim(axes[0], s["time"][sel], s["snr_mean"][sel], s["snr_sem"][sel], colors[k],
                    label=f"{m}: Monte Carlo")
        axes[1].loglog(t["time"], t["running_" + m], color=colors[k], label=m)
    axes[0].axhline(1.0, color="0.5", ls=":", lw=0.8)
    top = max(float(np.nanmax(t["snr_" + m])) for m in models)
    axes[0].set_ylim(0.05, 2 * top)
    axes[0].set_xlabel("time $t$ (plasticity events per synapse)")
    axes[0].set_ylabel("SNR$(t)$")
    axes[0].set_title(f"(A) memory curves, M = {d.config.get('states')}, N = {_fmt(d.config.get('N'))}", fontsize=9)
    axes[0].legend(fontsize=7)
    axes[1].axhline(1.0, color="0.5", ls=":", lw=0.8)
    axes[1].set_xlabel(r"mean recall time $\tau$")
    axes[1].set_ylabel(r"running average $\overline{\mathrm{SNR}}(\tau)$")
    axes[1].set_title("(B) running average (Laplace form)", fontsize=9)
    axes[1].legend(fontsize=7)
    fig.suptitle("Cascade vs serial synapses: the cascade's high initial SNR decays as a power law, the serial "
                 "chain's stays flat longer (Lahiri & Ganguli 2013, Fig. 1c)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_memory_frontier(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    c = d.csv("curves")
    r = d.csv("running")
    o = d.csv("optimised")
    s = d.csv("simulation")
    labels = d.config.get("hand_designed", [])
    taus = d.config.get("optimised_tau", [])
    colors = _palette(len(labels))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    ax = axes[0]
    ax.loglog(c["time"], c["envelope"], color="green", lw=3, alpha=0.7, label="frontier (envelope)")
    for k, label in enumerate(labels):
        ax.loglog(c["time"], c[f"snr_{k}"], color=colors[k], lw=1.2, label=label)
    for k in range(len(taus)):
        key = f"optimised_{k}"
        if key in c:
            ax.loglog(c["time"], c[key], color="red", ls="--", lw=1, label="optimised" if k == 0 else None)
    sim_label = d.config.get("simulated", "sticky")
    _loglog_sim(ax, s["time"], s["snr_mean"], s["snr_sem"], "k", label=f"{sim_label}: Monte Carlo")
    ax.set_ylim(1e-3, 2 * np.nanmax(c["envelope"]))
    ax.set_xlabel("time $t$")
    ax.set_ylabel("SNR$(t)$")
    ax.set_title(f"(A) memory curves under the frontier, M = {d.config.get('states')}, N = {_fmt(d.config.get('N'))}",
                 fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    ax = axes[1]
    ax.loglog(r["tau"], r["envelope"], color="green", lw=3, alpha=0.7, label="running-average envelope")
    ax.loglog(r["tau"], r["conjectured"], color="green", ls=":", lw=1.2, label="conjectured (detailed balance)")
    for k, label in enumerate(labels):
        ax.loglog(r["tau"], r[f"running_{k}"], color=colors[k], lw=1, label=label)
    for k in range(len(taus)):
        key = f"optimised_{k}"
        if key in r:
            ax.loglog(r["tau"], r[key], color="red", ls="--", lw=0.8)
    ax.plot(o["tau"], o["running_average"], "r*", ms=9, label=r"optimised at its own $\tau$")
    ax.set_ylim(1e-3, 2 * np.nanmax(r["envelope"]))
    ax.set_xlabel(r"mean recall time $\tau$")
    ax.set_ylabel(r"$\overline{\mathrm{SNR}}(\tau)$")
    ax.set_title("(B) running averages and numerically optimised models", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    fig.suptitle("The memory frontier of 12-state synapses (Lahiri & Ganguli 2013, Fig. 5a)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_benna_fusi_decay(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    c = d.csv("curves")
    g = d.csv("impulse")
    s = d.csv("simulation")
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    ax = axes[0]
    entries = [("snr_benna_fusi", f"Benna-Fusi, m = {d.config.get('variables')}"),
               ("snr_cascade", f"cascade, M = {d.config.get('cascade_states')}"),
               ("snr_binary_slow", f"binary, q = e/sqrt(N) = {_fmt(d.config.get('binary_q_slow'))}"),
               ("snr_binary_fast", "binary, q = 0.5")]
    colors = _colors(len(entries))
    for k, (key, label) in enumerate(entries):
        ax.loglog(c["time"], c[key], color=colors[k], label=label)
    t = c["time"]
    ref = c["snr_benna_fusi"][np.argmin(np.abs(t - 100))] * np.sqrt(100 / t)
    ax.loglog(t, ref, color="0.4", ls=":", lw=1, label=r"$\propto t^{-1/2}$")
    ax.axhline(1.0, color="0.5", ls=":", lw=0.8)
    ax.set_ylim(0.1, 2 * np.nanmax(c["snr_binary_fast"]))
    ax.set_xlabel("time $t$ (memories)")
    ax.set_ylabel("SNR$(t)$")
    ax.set_title(f"(A) SNR of N = {_fmt(d.config.get('N'))} synapses", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    ax = axes[1]
    ms = d.config.get("impulse_variables", [])
    cm = _colors(len(ms))
    for k, m in enumerate(ms):
        ax.loglog(g["time"], g[f"G_{m}"], color=cm[k], label=f"m = {m}")
        ts = d.meta.get("agreement", {}).get("slowest_time", {}).get(str(m))
        if ts:
            ax.axvline(ts, color=cm[k], ls=":", lw=0.8)
    ax.set_ylim(1e-8, 1.5)
    ax.set_xlabel("time $t$")
    ax.set_ylabel("impulse response $G(t) = [e^{At}]_{11}$")
    ax.set_title("(B) power law up to the slowest time ~4^m (dotted)", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    inset = ax.inset_axes([0.62, 0.62, 0.35, 0.33])
    if ms:
        inset.semilogx(g["time"], g[f"slope_{ms[-1]}"], color=cm[-1])
    inset.axhline(-0.5, color="0.4", ls=":")
    inset.set_ylim(-1.2, 0.1)
    inset.set_title("log-slope", fontsize=7)
    inset.tick_params(labelsize=6)
    ax = axes[2]
    ax.semilogx(s["step"][1:], s["snr_theory"][1:], color="k", label="linear chain, one memory per step (exact)")
    ax.semilogx(s["step"][1:], s["snr_continuous"][1:], color="0.5", ls="--", label="continuous time")
    step = s["step"]
    pick = np.unique(np.round(np.geomspace(1, step[-1], 24)).astype(int))
    _sim(ax, step[pick], s["snr"][pick], s["snr_stderr"][pick], "C3", label="simulated synapses")
    ax.set_xlabel("memories since storage $n$")
    ax.set_ylabel("SNR of N synapses")
    ax.set_title(f"(C) m = {d.config.get('simulated_variables')} simulated "
                 f"({d.config.get('simulated_synapses')} synapses x {d.config.get('repeats')})", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle("Power-law forgetting of the Benna-Fusi synapse against cascade and binary synapses "
                 "(Benna & Fusi 2016)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


def fig_lifetime_scaling(d: Data, path: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    t = d.csv("scaling")
    rec = d.csv("recall")
    ret = d.csv("retrieved")
    families = d.config.get("families", [])
    fits = d.meta.get("agreement", {}).get("fits", {})
    colors = _palette(len(families))
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    ax = axes[0]
    for k, f in enumerate(families):
        sel = t["family"] == k
        fit = fits.get(f, {})
        label = f"{f}: ~{fit.get('law', '?')} (slope {_fmt(fit.get('exponent'))})"
        ax.loglog(t["N"][sel], t["lifetime"][sel], "o-", ms=3, color=colors[k], label=label)
    sel = t["family"] == 0
    ax.loglog(t["N"][sel], t["frontier_bound"][sel], color="green", lw=3, alpha=0.6,
              label=f"frontier bound, M = {d.config.get('states')}")
    ax.set_xlabel("number of synapses $N$")
    ax.set_ylabel("best lifetime (SNR = 1)")
    ax.set_title("(A) lifetime at the best parameter of each family", fontsize=9)
    ax.legend(fontsize=6.5, loc="upper left")
    nets = d.config.get("network_families", [])
    nc = _colors(len(nets) + 2)[2:]
    ax = axes[1]
    for k, name in enumerate(nets):
        sel = ret["family"] == k
        ax.semilogx(ret["inputs"][sel], ret["retrieved_expected"][sel], color=nc[k],
                    label=f"{name}: theory ({d.config.get('outputs')} outputs)")
        ax.semilogx(ret["inputs"][sel], ret["retrieved_theory"][sel], color=nc[k], ls=":", lw=1)
        ax.plot(ret["inputs"][sel], ret["retrieved"][sel], "o", color=nc[k], ms=5, label=f"{name}: network")
    ax.set_xlabel("inputs per output neuron $n$")
    ax.set_ylabel(f"patterns retrieved (>= {_fmt(d.config.get('criterion'))} bits correct)")
    ax.set_title("(B) associative memory: capacity against n (dotted: infinitely many outputs)", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[2]
    n_max = np.max(rec["inputs"])
    for k, name in enumerate(nets):
        sel = (rec["family"] == k) & (rec["inputs"] == n_max)
        ax.semilogx(rec["age"][sel], rec["recall_theory"][sel], color=nc[k], label=f"{name}: theory")
        age = rec["age"][sel]
        pick = np.unique(np.round(np.geomspace(1, age[-1], 20)).astype(int)) - 1
        _sim(ax, age[pick], rec["recall_mean"][sel][pick], rec["recall_sem"][sel][pick], nc[k])
    ax.axhline(d.config.get("criterion", 0.9), color="0.5", ls=":", lw=0.8)
    ax.set_xlabel("pattern age (patterns stored since)")
    ax.set_ylabel("fraction of bits recalled")
    ax.set_title(f"(C) recall against age, n = {int(n_max)}, {d.config.get('outputs')} outputs", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle("Memory lifetime against N: log N (binary, fixed q), sqrt(N) (optimal binary, serial, cascade), "
                 "N/log N (Benna-Fusi)", fontsize=11)
    _save_figure(fig, path)
    plt.close(fig)


FIGURES: dict = {
    "memory_curves": fig_memory_curves,
    "memory_frontier": fig_memory_frontier,
    "benna_fusi_decay": fig_benna_fusi_decay,
    "lifetime_scaling": fig_lifetime_scaling,
}


def caption(name: str, meta: dict) -> str:
    c = meta.get("config", {})
    a = meta.get("agreement", {})
    if name == "memory_curves":
        th = a.get("theory", {})
        cas, ser = th.get("cascade", {}), th.get("serial", {})
        return (
            f"{LG13}, Fig. 1c: the exact memory curve SNR(t) of an ideal observer of N = {_fmt(c.get('N'))} synapses "
            f"(eigenmodes of the forgetting generator, sqrt(N) included) for the cascade model (M = {c.get('states')} "
            f"states, x = {_fmt(c.get('cascade_x'))}; {FDA05}) and the serial chain (q = {_fmt(c.get('serial_q'))}), "
            f"f_pot = {_fmt(c.get('f_pot'))}. (A) Lines: theory; points: Monte Carlo of a population of N synapses "
            f"receiving Poisson plasticity events at rate 1 (mean ± standard error over {c.get('repetitions')} "
            f"populations). Initial SNR: cascade {_fmt(cas.get('snr0'))}, serial {_fmt(ser.get('snr0'))}; the cascade "
            f"decays roughly as a power law up to its slowest time constant {_fmt(cas.get('slowest_tau'))}, the "
            f"serial chain stays flat and then falls exponentially (slowest time constant "
            f"{_fmt(ser.get('slowest_tau'))}); lifetimes (SNR = 1): cascade {_fmt(cas.get('lifetime'))}, serial "
            f"{_fmt(ser.get('lifetime'))}. "
            "(B) The running average SNRbar(tau) = A(1/tau)/tau, the Laplace-form curve of the paper's later "
            "version, against the mean recall time tau."
        )
    if name == "memory_frontier":
        return (
            f"{LG13}, Fig. 5a: the memory frontier of any synapse with M = {c.get('states')} states and +-1 "
            f"weights, for N = {_fmt(c.get('N'))} synapses (green): sqrt(N) exp(-t/(M-1)) up to t = M - 1, then "
            "sqrt(N)(M-1)/(e t). (A) Hand-designed models (coloured: the deterministic binary switch saturating the "
            "initial SNR, serial and sticky serial chains approaching the late-time envelope as epsilon -> 0, the "
            f"cascade) and numerically optimised {c.get('states')}-state models (red dashed; gradient ascent on the "
            f"running average at tau = {_fmt(c.get('optimised_tau'))}); points: Monte Carlo of the "
            f"{c.get('simulated')} chain ({c.get('simulated_synapses')} synapses x {c.get('repetitions')} "
            "populations, shown as the SNR of N synapses). Largest SNR/envelope over all curves: "
            f"{_fmt(a.get('max_snr_over_envelope'))} (the bound requires <= 1). (B) Running averages against the "
            "proven envelope sqrt(N)(M-1)/(tau + M - 1) and the tighter conjectured one for detailed-balance "
            "models; stars: each optimised model at the tau it was optimised for."
        )
    if name == "benna_fusi_decay":
        lt = a.get("lifetimes", {})
        sl = a.get("log_slope_m20_1e1_1e12", {})
        return (
            f"{BF16}: a synapse whose weight is the first of m coupled variables (capacities 2^(k-1), "
            f"conductances {_fmt(c.get('g12'))} 2^-(k-1)) forgets as a power law. (A) SNR of "
            f"N = {_fmt(c.get('N'))} synapses for the "
            f"chain with the m that maximises the lifetime (m = {c.get('variables')}), the cascade "
            f"(M = {c.get('cascade_states')}), and the binary switch at q = e/sqrt(N) and q = 1/2 ({AF94}); "
            f"lifetimes (SNR = 1): Benna-Fusi {_fmt(lt.get('benna_fusi'))}, cascade {_fmt(lt.get('cascade'))}, "
            f"slow binary {_fmt(lt.get('binary_slow'))}, fast binary {_fmt(lt.get('binary_fast'))}; t* ln N / N = "
            f"{_fmt(a.get('benna_fusi_lifetime_lnN_over_N'))}. (B) The impulse response G(t) for m = "
            f"{_fmt(c.get('impulse_variables'))}: 1/sqrt(t) up to the slowest time (dotted, ~4^m), then exponential; "
            f"inset: the local log-slope for the largest m (between {_fmt(sl.get('min'))} and {_fmt(sl.get('max'))} "
            "over t = 10..1e12). (C) The chain simulated with one memory per step (m = "
            f"{c.get('simulated_variables')}, {c.get('simulated_synapses')} synapses x {c.get('repeats')} runs, "
            "continuous values): the tracked memory's mean signal (points, ± standard error) on the exact linear "
            "discrete-time chain (line), converted to the SNR of N synapses; dashed: the continuous-time curve."
        )
    if name == "lifetime_scaling":
        return (
            "The memory lifetime (SNR = 1) at each family's best parameter against the number of synapses N, log "
            f"axes: the binary switch at fixed q = {_fmt(c.get('fixed_q'))} (the logarithmic catastrophe, {AF94}), "
            f"the binary switch at q = e/sqrt(N), serial and sticky chains and the cascade with M = {c.get('states')} "
            f"states (~sqrt(N), {LG13}), and the Benna-Fusi chain at its best m (~N/ln N, {BF16}); green: the "
            "frontier's lifetime bound sqrt(N)(M-1)/e. Legends: the growth law whose ratio varies least and the "
            "log-log slope over the upper half of the N range. (B, C) An associative memory (a feed-forward "
            f"palimpsest with {c.get('outputs')} output neurons, each with n input synapses, storing a stream of "
            "random +-1 pattern pairs with Hebbian plasticity events) built from binary and cascade synapses: "
            f"the number of most recent patterns recalled with >= {_fmt(c.get('criterion'))} of the bits correct "
            f"against n = {_fmt(c.get('inputs'))} (points: networks; lines: the expected count from the exact binomial "
            "theory on the single-synapse curve for this many output bits; dotted: the ages whose exact recall "
            "probability reaches the criterion), and the recalled fraction against pattern age for the largest n "
            "(binomial standard errors)."
        )
    raise KeyError(name)
