"""neurotheory.deeplinear from Python: NumPy in and out, the same names as the CLI, the closed forms against
independent numpy computations (direct ODE integration, eigendecompositions), gradient descent against the
theory, and ValueError naming the field on bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurotheory import deeplinear as dl


def rk4(f, y0, t_end, steps):
    y, h = float(y0), t_end / steps
    for _ in range(steps):
        k1 = f(y)
        k2 = f(y + h / 2 * k1)
        k3 = f(y + h / 2 * k2)
        k4 = f(y + h * k3)
        y += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def test_mode_strength_known_values_and_ode():
    # notes 4: s = 3, a0 = 1e-3: a(0.5) = 0.019959, a(1) = 0.355712, a(2) = 2.945721.
    a = dl.mode_strength(np.array([0.5, 1.0, 2.0]), 3.0, 1e-3)
    assert a == pytest.approx([0.019959, 0.355712, 2.945721], abs=2e-6)
    # Deep (D = 4): the balanced ODE du/dt = D u^{2-2/D} (s - u) by RK4 with 20000 steps (error ~ h^4 ~ 1e-13).
    D, s, u0, t = 4, 2.0, 0.05, 1.5
    ref = rk4(lambda u: D * u ** (2 - 2 / D) * (s - u), u0, t, 20000)
    assert dl.mode_strength(t, s, u0, depth=D) == pytest.approx(ref, rel=1e-8)


def test_learning_time_keywords_and_positional():
    t = dl.learning_time(depth=2, s=3.0, u0=1e-3, uf=1.5)
    assert t == pytest.approx(math.log(3.0 / 1e-3 - 1) / 6.0, rel=1e-12)
    assert dl.learning_time(2, 3.0, 1e-3, 1.5) == t
    assert "depth" in dl.parameters("learning_time")
    with pytest.raises(ValueError) as e:
        dl.learning_time(depth=2, s=-1.0)
    assert e.value.field == "s"
    with pytest.raises(TypeError):
        dl.learning_time(depth=2.5)
    with pytest.raises(TypeError):
        dl.learning_time(speed=1.0)


def test_living_things_and_correlations():
    d = dl.living_things()
    assert d["targets"].shape == (36, 8)
    assert d["item_names"][0] == "pine"
    c = dl.correlations(d)
    # notes 4: the singular values of the 8 x 36 table; independent check with numpy's SVD.
    assert c["s"] == pytest.approx([6.8059, 4.4732, 3.0440, 3.0035, 2.0431, 1.3806, 1.1411, 1.0000], abs=1e-4)
    assert c["s"] == pytest.approx(np.linalg.svd(d["targets"], compute_uv=False), rel=1e-12)
    assert c["whitened"]
    # A targets array or a name gives the same data set.
    assert dl.correlations(d["targets"])["s"] == pytest.approx(c["s"], rel=1e-12)
    assert dl.correlations("living-things")["s"] == pytest.approx(c["s"], rel=1e-12)


def test_semantics_closed_form_against_numpy():
    d = dl.living_things()
    c = dl.correlations(d)
    t, a0 = 1.2, 1e-3
    a = c["s"] / (1 + (c["s"] / a0 - 1) * np.exp(-2 * c["s"] * t))
    out = dl.predicted_outputs(d, t, a0)
    np.testing.assert_allclose(out, c["u"] @ np.diag(a) @ c["v"].T, atol=1e-12)
    rsm = dl.representational_similarity(d, t, a0)
    np.testing.assert_allclose(rsm, c["v"] @ np.diag(a) @ c["v"].T, atol=1e-12)
    traj = dl.mds_trajectory(d, np.linspace(0, 5, 6), a0)
    assert traj.shape == (6, 8, 2)
    ill = dl.illusory_correlation(d, "pine", "leaves", a0=1e-3)
    assert ill["peak_value"] == pytest.approx(0.594, abs=1e-3)  # notes 2.6
    assert dl.illusory_correlation(d, 0, 28)["peak_value"] == pytest.approx(ill["peak_value"], rel=1e-12)
    with pytest.raises(ValueError):
        dl.illusory_correlation(d, "whale", "leaves")


def test_hierarchy_eigenvalues_against_the_covariance():
    lam = dl.hierarchy_eigenvalues(branching=3, levels=2, flip=0.1)
    cov = dl.hierarchy_covariance(branching=3, levels=2, flip=0.1)
    mult = dl.hierarchy_multiplicities(branching=3, levels=2, flip=0.1)
    assert list(mult) == [1, 2, 6]
    eig = np.sort(np.linalg.eigvalsh(cov))[::-1]
    np.testing.assert_allclose(eig, np.repeat(lam, mult), rtol=1e-10)
    data = dl.branching_diffusion(branching=3, levels=2, flip=0.1, features=500, seed=3)
    assert data["targets"].shape == (500, 9)
    assert set(np.unique(data["targets"])) <= {-1.0, 1.0}


def test_simulate_tracks_the_closed_form():
    d = dl.four_items()
    eta = 1e-3
    r = dl.simulate(d, widths=[4, 8, 7], init="balanced", init_scale=1e-3, learning_rate=eta, steps=6000,
                    record_every=200)
    assert r["status"] == "completed"
    s = r["singular_values"]
    theory = dl.mode_trajectories(s, 1e-3, r["times"], 2)
    # Decoupled init: Euler error ~ 2-3 eta s_max relative to s (notes 6); 4 eta s_max as the bound.
    assert np.max(np.abs(r["mode_strengths"] - theory) / s) < 4 * eta * s[0]
    assert np.all(np.diff(r["loss"]) <= 1e-12)
    # Restarting from the final weights continues the same run.
    r2 = dl.simulate(d, r["weights"], widths=[4, 8, 7], learning_rate=eta, steps=10)
    assert r2["loss"][0] == pytest.approx(r["loss"][-1], rel=1e-12)


def test_generalization_against_a_direct_quadrature():
    # notes 4 asymptotes and the Marchenko-Pastur integral by numpy on a fine grid at a finite time.
    assert dl.generalization_error(alpha=0.5, snr=4.0)["test_error"] == pytest.approx(0.8, abs=1e-9)
    assert dl.generalization_asymptote(alpha=2.0, snr=4.0)["test_error"] == pytest.approx(0.4, abs=1e-9)
    alpha, t, sw, se = 2.0, 1.0, 0.8, 0.2
    lo, hi = (math.sqrt(alpha) - 1) ** 2, (math.sqrt(alpha) + 1) ** 2
    x = np.linspace(math.sqrt(lo), math.sqrt(hi), 200001)  # lambda = x^2 removes the edge singularities
    lam = x ** 2
    rho = np.sqrt(np.clip((hi - lam) * (lam - lo), 0, None)) / (2 * math.pi * lam) * 2 * x
    f = sw * np.exp(-2 * lam * t) + se * (1 - np.exp(-lam * t)) ** 2 / lam
    trap = getattr(np, "trapezoid", None) or np.trapz
    expected = trap(rho * f, x) + se
    assert dl.generalization_error(alpha=alpha, snr=4.0, time=t)["test_error"] == pytest.approx(expected, rel=1e-6)
    es = dl.optimal_early_stopping(alpha=alpha, snr=4.0)
    curve = dl.generalization_curve([0.5 * es["t_star"], es["t_star"], 2 * es["t_star"]], alpha=alpha, snr=4.0)
    assert curve["test_error"][1] <= min(curve["test_error"][0], curve["test_error"][2])
    with pytest.raises(ValueError) as e:
        dl.generalization_error(alpha=0.0)
    assert e.value.field == "alpha"


def test_teacher_student_and_spiked():
    r = dl.simulate_teacher_student(alpha=2.0, snr=4.0, inputs=100, seeds=8, times=[1.0, 10.0])
    assert r["test_mean"].shape == (2,)
    # 8 data sets: within 6 standard errors plus a 5% finite-N allowance.
    assert np.all(np.abs(r["test_mean"] - r["test_theory"]) <= 6 * r["test_sem"] + 0.05 * r["test_theory"])
    # A = 1: shat = sbar + 1/sbar and O = 1 - 1/sbar^2 (notes 3.2).
    assert dl.spiked_singular_value(2.0, 1.0) == pytest.approx(2.5, rel=1e-12)
    assert dl.spiked_overlap(2.0, 1.0) == pytest.approx(0.75, rel=1e-12)
    c = dl.spiked_curve([0.0, 5.0], teacher=[2.0, 0.5], inputs=100, outputs=100)
    assert c["visible"] == 1
    # A = 1: the optimal shrinker is sqrt(shat^2 - 4) = sbar - 1/sbar (notes 3.2).
    assert dl.spiked_shrinkage(2.5, 1.0) == pytest.approx(1.5, rel=1e-12)
    es = dl.spiked_optimal_stopping(teacher=[3.0], inputs=100, outputs=100)
    around = dl.spiked_curve([0.5 * es["t_star"], es["t_star"], 2 * es["t_star"]], teacher=[3.0], inputs=100,
                             outputs=100)["test_error"]
    assert around[1] <= min(around[0], around[2])
    assert dl.spiked_shrinkage_error(teacher=[3.0], inputs=100, outputs=100) <= es["test_error"] + 1e-9


def test_category_coherence_threshold():
    r = dl.category_coherence(items=1000, features=1000, category_items=100, category_features=100, p=0.5, q=0.1)
    expected = (0.4 ** 2 * 100 * 100) / (0.1 * 0.9 * 1000)
    assert r["coherence"] == pytest.approx(expected, rel=1e-12)
    assert r["learnable"] == (expected > 1)
