"""neurotheory.expressivity from Python: the same keyword arguments as the CLI, NumPy out, the
theory against an independent numpy evaluation of the mean-field recursions, and a finite-network
run against the theory."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurotheory import expressivity

Z = np.linspace(-14.0, 14.0, 40001)
DENSITY = np.exp(-0.5 * Z**2) / math.sqrt(2.0 * math.pi)
trapezoid = getattr(np, "trapezoid", None) or np.trapz


def expect(f, q):
    return float(trapezoid(f(math.sqrt(q) * Z) * DENSITY, Z))


def test_theory_matches_a_numpy_recursion():
    w2, b2, depth = 4.0, 0.09, 6
    t = expressivity.manifold_theory(activation="tanh", sigma_w2=w2, sigma_b2=b2, depth=depth)
    sech2 = lambda x: 1.0 / np.cosh(x) ** 2  # noqa: E731
    q, g, k2 = t["q"][0], t["q"][0], 1.0 / t["q"][0]
    for layer in range(1, depth):
        chi = w2 * expect(lambda x: sech2(x) ** 2, q)
        chi2 = w2 * expect(lambda x: (2 * np.tanh(x) * sech2(x)) ** 2, q)
        k2 = k2 / chi + 3 * chi2 / chi**2
        g *= chi
        q = w2 * expect(lambda x: np.tanh(x) ** 2, q) + b2
        assert t["length2"][layer] == pytest.approx(g, rel=1e-9)
        assert t["curvature2"][layer] == pytest.approx(k2, rel=1e-9)
    assert t["phase"] == "chaotic"


def test_simulation_agrees_with_theory():
    r = expressivity.manifold(activation="tanh", sigma_w2=4.0, sigma_b2=0.09, depth=5, simulate=True, width=800,
                              points=256, seeds=4, seed=11)
    assert r["simulated"]
    sim, th = r["simulation"], r["theory"]
    assert sim["length2_exact_mean"].shape == th["length2"].shape == (5,)
    # Within 5 standard errors plus a 3% finite-width allowance per measure.
    for key in ("length2", "curvature2", "grassmannian"):
        mean, sem, theory = sim[key + "_exact_mean"][1:], sim[key + "_exact_sem"][1:], th[key][1:]
        assert np.all(np.abs(mean - theory) <= 5 * sem + 0.03 * theory), key


def test_trajectory_and_errors():
    theta = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    pts = np.stack([np.cos(theta), np.sin(theta), 0 * theta], axis=1) * math.sqrt(3.0)
    r = expressivity.trajectory(pts, activation="relu", sigma_w2=2.0, sigma_b2=0.0, width=300, depth=4, seeds=2)
    assert r["length_mean"].shape == (5,)
    assert r["length_mean"][0] == pytest.approx(200 * 2 * math.sin(math.pi / 200) * math.sqrt(3.0), rel=1e-12)
    with pytest.raises(ValueError) as e:
        expressivity.manifold_theory(activation="tanh", depth=0)
    assert e.value.field == "depth"
    with pytest.raises(TypeError):
        expressivity.manifold(widht=10)
