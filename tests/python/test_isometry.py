"""neurotheory.isometry from Python: keyword arguments from the C++ parameter structs, NumPy out,
checked against closed forms (Marchenko-Pastur, Table 1 of Pennington et al. 2017) and an
independent numpy simulation of the Jacobian product."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurotheory as nt
from neurotheory import isometry

trapezoid = getattr(np, "trapezoid", None) or np.trapz


def test_single_gaussian_layer_is_marchenko_pastur():
    # L = 1, linear, sigma_w2 = 1: W W^T of a square Gaussian matrix, density sqrt(4/x - 1) / (2 pi) on (0, 4).
    r = isometry.density(activation="linear", weights="gaussian", depth=1, sigma_w2=1.0, sigma_b2=0.0, points=200,
                         lambda_min=0.05, lambda_max=3.9)
    lam, rho = r["lambda"], r["density"]
    exact = np.sqrt(4.0 / lam - 1.0) / (2.0 * math.pi)
    assert np.max(np.abs(rho - exact)) < 1e-4
    assert r["support_max"] == pytest.approx(4.0, rel=1e-6)


def test_hard_tanh_moments_match_the_bernoulli_closed_form():
    # On the critical line sigma_w2 = 1/p, p = erf(1/sqrt(2 q*)): var = L (1/p - 1) (orthogonal), L/p (Gaussian).
    q = 0.1
    line = nt.critical_line("hard_tanh", np.array([q]))
    w2, b2 = float(line["sigma_w2"][0]), float(line["sigma_b2"][0])
    p = math.erf(1.0 / math.sqrt(2.0 * q))
    for weights, var in (("orthogonal", 8 * (1 / p - 1)), ("gaussian", 8 / p)):
        m = isometry.moments(activation="hard_tanh", weights=weights, depth=8, sigma_w2=w2, sigma_b2=b2, q_star=q)
        assert m["mean"] == pytest.approx(1.0, rel=1e-9)
        assert m["variance"] == pytest.approx(var, rel=1e-9)


def numpy_jacobian_lambdas(width, depth, sigma_w2, sigma_b2, q, seed):
    """Independent twin: orthogonal tanh network at the fixed point, J = D_L W_L ... D_1 W_1, lambda = s^2."""
    rng = np.random.default_rng(seed)
    x = np.tanh(math.sqrt(q) * rng.standard_normal(width))
    jac = np.eye(width)
    for _ in range(depth):
        a = rng.standard_normal((width, width))
        qm, rm = np.linalg.qr(a)
        w = math.sqrt(sigma_w2) * qm * np.sign(np.diag(rm))[None, :]
        h = w @ x + math.sqrt(sigma_b2) * rng.standard_normal(width)
        x = np.tanh(h)
        jac = (1.0 - x * x)[:, None] * (w @ jac)
    return np.linalg.svd(jac, compute_uv=False) ** 2


def test_simulation_agrees_with_a_numpy_twin_and_the_theory():
    # Orthogonal tanh at sigma_b2 = 0.05 on the critical line (sigma_w2 = 1.760955, q* = 0.570048).
    w2, b2, depth, width, seeds = 1.760955, 0.05, 8, 200, 4
    r = isometry.simulate(activation="tanh", weights="orthogonal", sigma_w2=w2, sigma_b2=b2, depth=depth,
                          width=width, seeds=seeds, seed=3)
    assert r["lambda"].shape == (seeds, width)
    assert np.all(np.diff(r["lambda"], axis=1) <= 0)  # rows descending
    twin = np.array([numpy_jacobian_lambdas(width, depth, w2, b2, r["q_star"], s).var() for s in range(seeds)])
    ours = r["lambda"].var(axis=1)
    theory = isometry.moments(activation="tanh", weights="orthogonal", sigma_w2=w2, sigma_b2=b2, depth=depth)
    # Two independent samples of networks: their mean variances differ by noise of both spreads (4 sigma),
    # and each lies within 4 standard errors plus an O(L/N) finite-width allowance of the theory.
    se = math.sqrt(ours.var(ddof=1) / seeds + twin.var(ddof=1) / seeds)
    assert abs(ours.mean() - twin.mean()) < 4 * se
    allowance = 4 * math.sqrt(ours.var(ddof=1) / seeds) + theory["variance"] * depth / width * 2
    assert abs(ours.mean() - theory["variance"]) < allowance


def test_design_and_parameters():
    r = isometry.design(activation="tanh", depth=200, weights="orthogonal")
    assert r["target_met"] and r["variance"] <= 0.25 + 1e-9
    assert set(isometry.parameters("design")) >= {"activation", "depth", "weights", "max_variance"}
    with pytest.raises(ValueError) as e:
        isometry.design(activation="tanh", depth=-3)
    assert e.value.field == "depth"
    with pytest.raises(TypeError):
        isometry.design(activation="tanh", depht=10)


def test_universal_limit_density_is_normalised():
    lam = np.linspace(1e-3, 3.5, 2000)
    r = isometry.universal_density("smooth", 0.25, lam)
    assert trapezoid(r["density"], lam) == pytest.approx(1.0, abs=2e-3)
    with pytest.raises(ValueError):
        isometry.universal_density("gaussian", 0.25, lam)
