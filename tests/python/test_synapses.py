"""neurotheory.synapses from Python: models as arrays (validated: ValueError naming the field), the exact
curves against an independent numpy evaluation (eigen-decomposition of the forgetting generator), the
frontier bounds on random models, design, Monte Carlo and the Benna-Fusi chain against numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurotheory import synapses

trapezoid = getattr(np, "trapezoid", None) or np.trapz


def numpy_snr(pot, dep, w, t, N, f=0.5):
    """SNR(t) = sqrt(N) 2 f (1-f) p_inf (M_pot - M_dep) exp(t W_F) w (notes 1.1), by numpy alone."""
    pot, dep, w = np.asarray(pot, float), np.asarray(dep, float), np.asarray(w, float)
    wf = f * pot + (1 - f) * dep - np.eye(len(w))
    # p_inf: the left null vector of W_F, normalised.
    vals, vecs = np.linalg.eig(wf.T)
    p = np.real(vecs[:, np.argmin(np.abs(vals))])
    p /= p.sum()
    lam, right = np.linalg.eig(wf)
    left = np.linalg.inv(right)
    a = p @ (pot - dep) @ right
    b = left @ w
    return np.array([math.sqrt(N) * 2 * f * (1 - f) * np.real(np.sum(a * np.exp(lam * ti) * b)) for ti in t])


def random_model(rng, M):
    """A random valid M-state model with +-1 weights (dense rows from a Dirichlet law)."""
    pot = rng.dirichlet(np.full(M, 0.5), size=M)
    dep = rng.dirichlet(np.full(M, 0.5), size=M)
    w = np.where(np.arange(M) < M // 2, -1.0, 1.0)
    return synapses.Model(pot, dep, w)


def test_models_from_arrays_and_validation():
    q = 0.2
    pot, dep, w = [[1 - q, q], [0, 1]], [[1, 0], [q, 1 - q]], [-1, 1]
    m = synapses.Model(np.array(pot, float), np.array(dep, float), np.array(w, float))
    assert m.states == 2 and m.binary_weights
    np.testing.assert_allclose(m.generator(), synapses.binary(q).generator(), atol=1e-15)
    # Tuples (lists accepted), dicts and Model objects are interchangeable wherever a model is taken.
    for model in (m, (pot, dep, w), (pot, dep, w, 0.5), m.to_dict(), synapses.binary(q)):
        assert synapses.snr(model, 3.0, 1e4) == pytest.approx(100 * q * math.exp(-q * 3.0), rel=1e-12)
    bad = np.array([[0.9, 0.2], [0, 1.0]])
    with pytest.raises(ValueError) as e:
        synapses.Model(bad, np.array(dep, float), np.array(w, float))
    assert e.value.field.startswith("potentiation")
    with pytest.raises(ValueError) as e:
        synapses.snr((pot, dep, [-1.0, 2.0]), 1.0, 100)
    assert e.value.field.startswith("weights")
    with pytest.raises(ValueError):
        synapses.Model(np.array(pot, float), np.array(dep, float), np.array(w, float), f_pot=1.0)
    with pytest.raises(TypeError):
        synapses.curve(model=42)
    with pytest.raises(TypeError):
        synapses.curve(model="binary", qq=0.1)


def test_exact_curve_matches_numpy_eigendecomposition():
    times = np.array([0.0, 0.5, 3.0, 20.0, 150.0])
    for model in (synapses.cascade(8, 0.5), synapses.serial(6, 0.4), synapses.sticky_serial(6, 0.05)):
        ours = synapses.snr(model, times, 1e4)
        ref = numpy_snr(model.potentiation, model.depression, model.weights, times, 1e4)
        # Both are double-precision evaluations of the same sum of <= 8 modes: agreement to ~1e-9 relative.
        np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=1e-10 * ref[0], err_msg=model.name)


def test_area_running_average_lifetime_consistency():
    model = synapses.cascade(10, 0.5)
    N = 1e4
    # Area by quadrature on a log grid: the curve is smooth in log t, 20001 points give ~1e-6 relative error;
    # beyond t = 1e5 the slowest mode (tau ~ 30) has decayed completely.
    t = np.concatenate([[0.0], np.geomspace(1e-6, 1e5, 20000)])
    s = synapses.snr(model, t, N)
    assert trapezoid(s, t) == pytest.approx(synapses.area(model, N), rel=1e-5)
    # Running average = Laplace transform at 1/tau over tau, by the same quadrature.
    tau = 7.0
    assert trapezoid(s * np.exp(-t / tau), t) / tau == pytest.approx(synapses.running_average(model, tau, N), rel=1e-5)
    life = synapses.lifetime(model, N)
    assert synapses.snr(model, life, N) == pytest.approx(1.0, abs=1e-9)
    c = synapses.curve(model="cascade", states=10, x=0.5, N=N, time=5.0)
    assert c["lifetime"] == pytest.approx(life, rel=1e-12)
    assert c["snr"] == pytest.approx(synapses.snr(model, 5.0, N), rel=1e-12)
    assert c["snr0"] == pytest.approx(100 * 2 / 5, rel=1e-9)  # 2/n at x = 1/2 (notes 1.3)
    assert np.sum(c["modes"]["weight"]) == pytest.approx(c["snr0"] / 100, rel=1e-9)


def test_random_models_stay_under_the_frontier():
    rng = np.random.default_rng(6)
    N, t = 100.0, np.geomspace(1e-2, 1e4, 200)
    for M in (2, 4, 6, 8):
        env = synapses.snr_max(t, M, N)
        for _ in range(10):
            m = random_model(rng, M)
            s = synapses.snr(m, t, N)
            assert np.all(s <= env * (1 + 1e-9)), M
            # SNR(0) <= 4 sqrt(N) Phi_{-+} and <= sqrt(N) [LG13 eq. 8]. (4 Phi_{-+} itself may exceed 1 when
            # depression also moves weak states up: the second step needs monotone events.)
            assert synapses.snr0(m, N) <= synapses.flux_bound(m, N) * (1 + 1e-9)
            assert synapses.snr0(m, N) <= synapses.initial_snr_bound(N) * (1 + 1e-9)
            assert synapses.area(m, N) <= synapses.area_bound(M, N) * (1 + 1e-9)
            assert synapses.check_modes(m)["satisfied"]
    # Envelope values of notes sec. 2, and the lifetime bound sqrt(N)(M-1)/e.
    np.testing.assert_allclose(synapses.snr_max(np.array([1.0, 20.0, 1000.0]), 12, 100),
                               [9.131007, 2.023337, 0.0404667], rtol=2e-6)
    f = synapses.frontier(states=12, N=100, time=20)
    assert f["lifetime_bound"] == pytest.approx(110 / math.e)


def test_design_binary_optimum_and_optimiser():
    r = synapses.design(model="binary", N=1e6)
    # q* = e/sqrt(N), t* = sqrt(N)/e (notes 1.3).
    assert r["q"] == pytest.approx(math.e / 1e3, rel=1e-5)
    assert r["lifetime"] == pytest.approx(1e3 / math.e, rel=1e-9)
    o = synapses.optimise(states=6, N=100, tau=10.0, restarts=2, iterations=200, seed=3)
    assert o["model"].states == 6
    assert o["running_average"] == pytest.approx(synapses.running_average(o["model"], 10.0, 100), rel=1e-9)
    assert o["running_average"] <= o["envelope"] and np.all(o["final_values"] >= o["start_values"] - 1e-12)


def test_simulation_agrees_and_is_reproducible():
    model = synapses.serial(6, 0.5)
    times = [1.0, 2.0, 5.0, 10.0, 30.0]
    a = synapses.simulate(model, synapses=20000, repetitions=2, horizon=30, times=times, seed=5)
    b = synapses.simulate(model=model.to_dict(), synapses=20000, repetitions=2, horizon=30, times=times, seed=5)
    np.testing.assert_array_equal(a["signal_mean"], b["signal_mean"])
    # 5 standard errors at 5 points: false alarm probability ~3e-6.
    assert np.all(np.abs(a["signal_mean"] - a["signal_theory"]) <= 5 * a["signal_sem"])
    np.testing.assert_allclose(synapses.exact_signal(model, np.array(times)), a["signal_theory"], rtol=1e-12)
    p = synapses.simulate(model="binary", q=0.3, synapses=8192, horizon=10, time="poisson", times=[0.0, 1.0, 5.0])
    # Poisson time against the continuous exact curve: SNR(t) = sqrt(N) q e^{-q t}.
    assert np.all(np.abs(p["snr_mean"] - p["snr_theory"]) <= 5 * p["snr_sem"])
    np.testing.assert_allclose(p["snr_theory"], math.sqrt(8192) * 0.3 * np.exp(-0.3 * np.array([0.0, 1.0, 5.0])),
                               rtol=1e-9)


def test_benna_fusi_against_numpy():
    m, g12 = 5, 0.25
    C = 2.0 ** np.arange(m)
    g = g12 * 0.5 ** np.arange(m)  # g_{k,k+1}; the last one leaks to the reservoir at 0
    L = np.zeros((m, m))
    for k in range(m):
        L[k, k] += g[k]
        if k + 1 < m:
            L[k, k] += 0.0
            L[k + 1, k + 1] += g[k]
            L[k, k + 1] -= g[k]
            L[k + 1, k] -= g[k]
    A = -np.diag(1 / C) @ L
    lam, V = np.linalg.eig(A)
    Vi = np.linalg.inv(V)
    t = np.array([0.0, 1.0, 10.0, 100.0, 1000.0])
    G = np.array([np.real(V[0] @ (np.exp(lam * ti) * Vi[:, 0])) for ti in t])
    r = synapses.benna_fusi(t, 1e4, variables=m, g12=g12)
    np.testing.assert_allclose(r["impulse_response"], G, rtol=1e-9)
    # Campbell: variance = r int G^2 dt, by quadrature on a log grid.
    tq = np.concatenate([[0.0], np.geomspace(1e-4, 1e7, 40000)])
    Gq = synapses.benna_fusi(tq, 1e4, variables=m, g12=g12)["impulse_response"]
    assert trapezoid(Gq**2, tq) == pytest.approx(r["variance"], rel=1e-4)
    assert r["snr0"] == pytest.approx(100 / math.sqrt(r["variance"]), rel=1e-12)
    best = synapses.benna_fusi_best(1e6)
    assert best["lifetime"] >= synapses.benna_fusi(np.array([1.0]), 1e6, variables=best["variables"] + 1)["lifetime"]


def test_associative_memory_and_parameters():
    r = synapses.associative_memory(model="binary", q=0.5, inputs=200, outputs=40, patterns=30, max_age=30, seed=2)
    assert r["age"].shape == (30,) and r["exact_theory"]
    assert abs(r["retrieved"] - r["retrieved_theory"]) <= 2
    assert {"model", "states", "N", "time"} <= set(synapses.parameters("curve"))
    assert "inputs" in synapses.parameters("associative_memory")
    with pytest.raises(ValueError):
        synapses.parameters("nothing")
