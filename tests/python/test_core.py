"""neurotheory.core against independent computations: numpy quadrature on fine grids, exact Gaussian
moments, closed-form kernels and Monte Carlo with tolerances from the sample size. Seeds are fixed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurotheory as nt
from neurotheory import core

trapezoid = getattr(np, "trapezoid", None) or np.trapz

# A fine uniform grid in z ~ N(0, 1): the trapezoid rule is spectrally accurate for smooth integrands
# decaying like the Gaussian density (independent of the library's Gauss-Hermite rules).
Z = np.linspace(-14.0, 14.0, 40001)
DENSITY = np.exp(-0.5 * Z**2) / math.sqrt(2.0 * math.pi)


def expect(f, q: float) -> float:
    """E[f(sqrt(q) z)] on the fine grid."""
    return float(trapezoid(f(math.sqrt(q) * Z) * DENSITY, Z))


def sech2(x):
    return 1.0 / np.cosh(x) ** 2


def double_factorial(n: int) -> int:
    return math.prod(range(n, 0, -2)) if n > 0 else 1


ALL_ACTIVATIONS = {"linear", "tanh", "relu", "hard_tanh", "erf", "sigmoid", "selu", "gelu", "swish"}


# ---- version and errors ---------------------------------------------------------------------------


def test_version_matches_package():
    assert nt.version() == nt.__version__
    assert all(part.isdigit() for part in nt.__version__.split("."))


def test_submodules_import_like_modules():
    from neurotheory.core import gauss_hermite
    from neurotheory.signalprop import fixed_point

    assert gauss_hermite is nt.gauss_hermite is core.gauss_hermite
    assert fixed_point is nt.fixed_point


def test_invalid_argument_is_value_error_naming_the_field():
    with pytest.raises(ValueError, match="activation") as info:
        nt.activation_by_name("softsign")
    assert info.value.field == "activation"
    assert "tanh" in str(info.value)  # lists the valid names


def test_io_error_is_os_error(tmp_path):
    with pytest.raises(OSError):
        nt.read_npy(tmp_path / "missing.npy")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OSError):
        nt.write_npy(blocker / "x.npy", np.zeros(3))


# ---- activations ----------------------------------------------------------------------------------


def test_activation_registry():
    assert set(nt.activation_names()) == ALL_ACTIVATIONS
    for name in nt.activation_names():
        act = nt.activation_by_name(name)
        assert act.name == name
        assert act.formula
        assert repr(act) == f"Activation('{name}')"
    assert nt.activation_by_name("tanh").symmetry == "odd"
    assert nt.activation_by_name("relu").smooth is False
    assert nt.activation_by_name("tanh").smooth is True


def _erf(x):
    return np.vectorize(math.erf)(x)


# Independent formulas: (phi, phi').
REFERENCE = {
    "linear": (lambda x: x, lambda x: np.ones_like(x)),
    "tanh": (np.tanh, sech2),
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(float)),
    "hard_tanh": (lambda x: np.clip(x, -1.0, 1.0), lambda x: (np.abs(x) < 1).astype(float)),
    "erf": (lambda x: _erf(math.sqrt(math.pi) * x / 2.0), lambda x: np.exp(-math.pi * x**2 / 4.0)),
    "sigmoid": (lambda x: 1.0 / (1.0 + np.exp(-x)), lambda x: np.exp(-x) / (1.0 + np.exp(-x)) ** 2),
    "gelu": (lambda x: x * 0.5 * (1.0 + _erf(x / math.sqrt(2.0))), None),
    "swish": (lambda x: x / (1.0 + np.exp(-x)), None),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_activation_matches_reference_formula(name):
    act = nt.activation_by_name(name)
    x = np.linspace(-4.3, 4.1, 97)  # avoids the kinks at 0 and +-1
    phi, dphi = REFERENCE[name]
    np.testing.assert_allclose(act.phi(x), phi(x), rtol=1e-13, atol=1e-14)
    if dphi is not None:
        np.testing.assert_allclose(act.dphi(x), dphi(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(ALL_ACTIVATIONS))
def test_derivatives_match_finite_differences(name):
    act = nt.activation_by_name(name)
    x = np.linspace(-3.37, 3.29, 41)  # no grid point within 0.03 of a kink
    h = 1e-5
    fd1 = (act.phi(x + h) - act.phi(x - h)) / (2 * h)
    fd2 = (act.dphi(x + h) - act.dphi(x - h)) / (2 * h)
    np.testing.assert_allclose(act.dphi(x), fd1, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(act.d2phi(x), fd2, rtol=1e-6, atol=1e-7)


def test_activation_shapes_and_scalars():
    act = nt.activation_by_name("tanh")
    assert isinstance(act.phi(0.5), float)
    assert act.phi(0.5) == pytest.approx(math.tanh(0.5), rel=1e-15)
    x = np.arange(12.0).reshape(3, 4) / 7.0 - 0.8
    for method in (act.phi, act.dphi, act.d2phi):
        assert method(x).shape == (3, 4)
    phi, dphi, d2phi = act.evaluate(x)
    np.testing.assert_array_equal(phi, act.phi(x))
    np.testing.assert_array_equal(dphi, act.dphi(x))
    np.testing.assert_array_equal(d2phi, act.d2phi(x))
    np.testing.assert_allclose(d2phi, -2.0 * np.tanh(x) * sech2(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(act.phi([0.1, 0.2]), act.phi(np.array([0.1, 0.2])))
    # A non-contiguous view is read correctly (to the last ulp: SIMD and scalar tails may differ).
    np.testing.assert_allclose(act.phi(x[:, ::2]), act.phi(x)[:, ::2], rtol=1e-15, atol=1e-16)
    with pytest.raises(TypeError):
        act.phi("x")


def test_closed_forms():
    relu = nt.activation_by_name("relu")
    q, c = 1.3, 0.4
    arc_cosine = q / (2 * math.pi) * (math.sqrt(1 - c * c) + (math.pi - math.acos(c)) * c)
    assert relu.closed_kernel(q, q, c * q) == pytest.approx(arc_cosine, rel=1e-13)
    assert relu.closed_derivative_kernel(q, q, c * q) == pytest.approx((math.pi - math.acos(c)) / (2 * math.pi), rel=1e-13)
    relu_moments = relu.closed_length_moments(q)
    assert relu_moments["phi2"] == pytest.approx(q / 2, rel=1e-14)
    assert relu_moments["phi_mean"] == pytest.approx(math.sqrt(q / (2 * math.pi)), rel=1e-14)
    assert nt.activation_by_name("tanh").closed_kernel(q, q, c * q) is None
    assert nt.activation_by_name("tanh").closed_length_moments(q) is None
    # docs/theory: hard-tanh E[phi'^2] at q = 0.7 is erf(1/sqrt(2q)).
    m = nt.activation_by_name("hard_tanh").closed_length_moments(0.7)
    assert m["dphi2"] == pytest.approx(0.768002276, abs=1e-9)
    assert m["dphi2"] == pytest.approx(math.erf(1 / math.sqrt(1.4)), rel=1e-14)


# ---- Gauss-Hermite and Gaussian expectations ------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2, 5, 20, 64])
def test_gauss_hermite_rule(order):
    nodes, weights = nt.gauss_hermite(order)
    assert nodes.shape == weights.shape == (order,)
    assert np.all(weights > 0)
    assert weights.sum() == pytest.approx(1.0, abs=1e-14)
    assert np.all(np.diff(nodes) > 0)
    np.testing.assert_allclose(nodes, -nodes[::-1], atol=1e-13)
    # Exact for polynomials of degree < 2 order: E[z^(2k)] = (2k - 1)!!, odd moments vanish.
    for k in range(0, order):
        exact = double_factorial(2 * k - 1)
        assert np.dot(weights, nodes ** (2 * k)) == pytest.approx(exact, rel=1e-11)
        assert abs(np.dot(weights, nodes ** (2 * k + 1))) <= 1e-11 * double_factorial(2 * k + 1)
    # ... and not beyond: z^(2n) = He_n(z)^2 + lower degrees and He_n vanishes on the nodes, so the rule
    # misses E[z^(2n)] by exactly E[He_n^2] = n! (checked where that is above the rounding).
    if order <= 20:
        missed = double_factorial(2 * order - 1) - np.dot(weights, nodes ** (2 * order))
        assert missed == pytest.approx(math.factorial(order), rel=1e-6)


def test_gauss_hermite_range():
    with pytest.raises(ValueError):
        nt.gauss_hermite(0)
    with pytest.raises(ValueError):
        nt.gauss_hermite(5000)


@pytest.mark.parametrize("q", [0.3, 1.0, 4.0, 12.6])
def test_gaussian_expectation_tanh_squared_vs_trapezoid(q):
    # Gauss-Hermite nodes near z = 0 are spaced ~ pi / sqrt(2 order) while tanh(sqrt(q) z) varies on the
    # scale 1/sqrt(q): the order must grow like q for full accuracy.
    order = int(200 + 100 * q)
    got = nt.gaussian_expectation(lambda x: np.tanh(x) ** 2, q, order)
    assert got == pytest.approx(expect(lambda u: np.tanh(u) ** 2, q), rel=1e-10)


def test_gaussian_expectation_scalar_callables_and_errors():
    # A callable that only takes floats is called node by node, with the same result.
    vectorized = nt.gaussian_expectation(lambda x: np.tanh(x) ** 2, 2.0, 100)
    scalar = nt.gaussian_expectation(lambda x: math.tanh(x) ** 2, 2.0, 100)
    assert scalar == pytest.approx(vectorized, rel=1e-14)
    assert nt.gaussian_expectation(lambda x: 1.0, 2.0, 30) == pytest.approx(1.0, rel=1e-14)
    forced = nt.gaussian_expectation(lambda x: np.tanh(x) ** 2, 2.0, 100, vectorized=False)
    assert forced == pytest.approx(vectorized, rel=1e-14)
    # E[u^4] = 3 q^2 exactly.
    assert nt.gaussian_expectation(lambda x: x**4, 1.7, 10) == pytest.approx(3 * 1.7**2, rel=1e-13)

    def boom(x):
        raise KeyError("from the integrand")

    with pytest.raises(KeyError):
        nt.gaussian_expectation(boom, 1.0, 10)
    with pytest.raises(ValueError, match="q"):
        nt.gaussian_expectation(np.tanh, -1.0, 10)


def test_gaussian_pair_expectation_exact_moments():
    q1, q2, q12 = 1.3, 0.7, 0.5
    identity = lambda x: x  # noqa: E731
    assert nt.gaussian_pair_expectation(identity, identity, q1, q2, q12, 8) == pytest.approx(q12, rel=1e-13)
    # Isserlis: E[u1^2 u2^2] = q1 q2 + 2 q12^2.
    square = lambda x: x**2  # noqa: E731
    got = nt.gaussian_pair_expectation(square, square, q1, q2, q12, 8)
    assert got == pytest.approx(q1 * q2 + 2 * q12**2, rel=1e-13)
    scalar = nt.gaussian_pair_expectation(math.sin, math.cos, q1, q2, q12, 30)
    vectorized = nt.gaussian_pair_expectation(np.sin, np.cos, q1, q2, q12, 30)
    assert scalar == pytest.approx(vectorized, abs=1e-15)
    # E[sin(u1) cos(u2)] = 0 by symmetry (u -> -u); E[cos u1 cos u2] = e^{-(q1+q2)/2} cosh(q12).
    assert abs(vectorized) < 1e-14
    coscos = nt.gaussian_pair_expectation(np.cos, np.cos, q1, q2, q12, 40)
    assert coscos == pytest.approx(math.exp(-(q1 + q2) / 2) * math.cosh(q12), rel=1e-12)


def test_relu_kernel_vs_monte_carlo():
    q, c = 1.6, 0.3
    rng = np.random.default_rng(20240611)
    n = 400_000
    z1, z2 = rng.standard_normal((2, n))
    u1 = math.sqrt(q) * z1
    u2 = math.sqrt(q) * (c * z1 + math.sqrt(1 - c * c) * z2)
    for key, samples in (
        ("phi_phi", np.maximum(u1, 0) * np.maximum(u2, 0)),
        ("dphi_dphi", ((u1 > 0) & (u2 > 0)).astype(float)),
    ):
        m = nt.activation_pair_moments("relu", q, q, c * q)
        standard_error = samples.std(ddof=1) / math.sqrt(n)
        assert abs(m[key] - samples.mean()) < 5 * standard_error, key


def test_tanh_pair_moments_vs_monte_carlo_and_quadrature():
    q1, q2, q12 = 0.9, 2.5, 0.6
    m = nt.activation_pair_moments(nt.activation_by_name("tanh"), q1, q2, q12, order=80)
    direct = nt.gaussian_pair_expectation(np.tanh, np.tanh, q1, q2, q12, 80)
    assert m["phi_phi"] == pytest.approx(direct, rel=1e-13)
    rng = np.random.default_rng(7)
    n = 400_000
    z1, z2 = rng.standard_normal((2, n))
    c = q12 / math.sqrt(q1 * q2)
    u1 = math.sqrt(q1) * z1
    u2 = math.sqrt(q2) * (c * z1 + math.sqrt(1 - c * c) * z2)
    samples = sech2(u1) * sech2(u2)
    assert abs(m["dphi_dphi"] - samples.mean()) < 5 * samples.std(ddof=1) / math.sqrt(n)


@pytest.mark.parametrize("q", [0.2, 1.0, 5.0])
def test_activation_moments_tanh_vs_trapezoid(q):
    m = nt.activation_moments("tanh", q)
    assert m["phi2"] == pytest.approx(expect(lambda u: np.tanh(u) ** 2, q), rel=1e-10)
    assert m["dphi2"] == pytest.approx(expect(lambda u: sech2(u) ** 2, q), rel=1e-10)
    # phi''^2 has sixth-order poles, so the automatic rule (tuned for phi^2) resolves it less finely.
    assert m["d2phi2"] == pytest.approx(expect(lambda u: (2 * np.tanh(u) * sech2(u)) ** 2, q), rel=2e-8)
    assert m["phi_mean"] == 0.0
    h = 1e-4 * q
    slope = (expect(lambda u: np.tanh(u) ** 2, q + h) - expect(lambda u: np.tanh(u) ** 2, q - h)) / (2 * h)
    assert m["dq_phi2"] == pytest.approx(slope, rel=1e-7)


def test_activation_moments_sigmoid_mean_and_closed_form_switch():
    q = 2.0
    m = nt.activation_moments("sigmoid", q)
    assert m["phi_mean"] == pytest.approx(0.5, abs=1e-13)  # sigmoid(x) - 1/2 is odd
    assert m["phi2"] == pytest.approx(expect(lambda u: 1 / (1 + np.exp(-u)) ** 2, q), rel=1e-10)
    closed = nt.activation_moments("erf", q)
    by_quadrature = nt.activation_moments("erf", q, order=200, use_closed_forms=False)
    # erf: E[phi^2] = (2/pi) arcsin(pi q / (2 + pi q)) (Williams' kernel).
    exact = 2 / math.pi * math.asin(math.pi * q / (2 + math.pi * q))
    assert closed["phi2"] == pytest.approx(exact, rel=1e-13)
    assert by_quadrature["phi2"] == pytest.approx(exact, rel=1e-10)
    with pytest.raises(ValueError, match="quadrature_order"):
        nt.activation_moments("tanh", 1.0, order=1)
    with pytest.raises(TypeError):
        nt.activation_moments(3, 1.0)


# ---- random streams and ensembles -----------------------------------------------------------------


def test_stream_is_a_function_of_seed_and_ids():
    a = nt.Stream(42, [1, 2]).normal(1000)
    np.testing.assert_array_equal(a, nt.Stream(42, [1, 2]).normal(1000))
    assert not np.array_equal(a, nt.Stream(42, [1, 3]).normal(1000))
    assert not np.array_equal(a, nt.Stream(43, [1, 2]).normal(1000))
    assert not np.array_equal(a, nt.Stream(42, [2, 1]).normal(1000))
    np.testing.assert_array_equal(nt.Stream(42, [1]).child(2).normal(1000), a)
    assert nt.Stream(42).seed == 42
    assert nt.Stream(2**64 - 1).uniform() > 0.0


def test_stream_array_and_scalar_draws_are_one_sequence():
    s = nt.Stream(5, [9])
    one_by_one = [s.uniform() for _ in range(7)]
    np.testing.assert_array_equal(nt.Stream(5, [9]).uniform(7), one_by_one)
    # Normals come in Box-Muller pairs; a scalar draw then an array continues the same sequence.
    s = nt.Stream(5, [9])
    mixed = [s.normal(), *s.normal(4), s.normal()]
    np.testing.assert_array_equal(nt.Stream(5, [9]).normal(6), mixed)
    assert nt.Stream(1).normal(0).shape == (0,)
    with pytest.raises(ValueError):
        nt.Stream(1).normal(-1)
    with pytest.raises(TypeError):
        nt.Stream(-1)


def test_stream_moments_within_five_standard_errors():
    n = 200_000
    x = nt.Stream(2024, [7]).normal(n)
    assert abs(x.mean()) < 5 / math.sqrt(n)
    assert abs(x.var() - 1.0) < 5 * math.sqrt(2.0 / n)
    assert abs(np.mean(x**4) - 3.0) < 5 * math.sqrt(96.0 / n)  # var(z^4) = 105 - 9
    u = nt.Stream(2024, [8]).uniform(n)
    assert u.min() > 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 5 / math.sqrt(n)


def test_gaussian_matrix():
    rows, cols, sigma_w2 = 300, 200, 2.5
    w = nt.gaussian_matrix(rows, cols, sigma_w2, seed=11, ids=[3])
    assert w.shape == (rows, cols)
    np.testing.assert_array_equal(w, nt.gaussian_matrix(rows, cols, sigma_w2, 11, [3]))
    assert not np.array_equal(w, nt.gaussian_matrix(rows, cols, sigma_w2, 11, [4]))
    n = w.size
    variance = sigma_w2 / cols
    assert abs(w.mean()) < 5 * math.sqrt(variance / n)
    assert abs(w.var() - variance) < 5 * variance * math.sqrt(2.0 / n)
    # The documented convention: column-major fill from Stream(seed, ids), scaled by sqrt(sigma_w2 / cols).
    z = nt.Stream(11, [3]).normal(n).reshape(cols, rows).T
    np.testing.assert_allclose(w, math.sqrt(variance) * z, rtol=1e-15)
    with pytest.raises(ValueError, match="sigma_w2"):
        nt.gaussian_matrix(3, 3, -1.0)


@pytest.mark.parametrize("rows,cols", [(50, 50), (80, 30), (30, 80)])
def test_haar_orthogonal_is_scaled_isometry(rows, cols):
    sigma_w2 = 1.7
    w = nt.haar_orthogonal(rows, cols, sigma_w2, seed=3, ids=[rows, cols])
    assert w.shape == (rows, cols)
    gram = w.T @ w if rows >= cols else w @ w.T
    np.testing.assert_allclose(gram, sigma_w2 * np.eye(min(rows, cols)), atol=1e-12)


def test_haar_orthogonal_distribution():
    # For Haar O in O(n): E[O_11] = 0, E[O_11^2] = 1/n, E[tr O] = 0, E[(tr O)^2] = 1.
    n, samples = 8, 600
    mats = np.array([nt.haar_orthogonal(n, n, 1.0, seed=17, ids=[k]) for k in range(samples)])
    o11 = mats[:, 0, 0]
    traces = np.trace(mats, axis1=1, axis2=2)
    se_o11_sq = math.sqrt((3 / (n * (n + 2)) - 1 / n**2) / samples)
    assert abs(np.mean(o11**2) - 1 / n) < 5 * se_o11_sq
    assert abs(o11.mean()) < 5 * math.sqrt(1 / n / samples)
    assert abs(traces.mean()) < 5 * math.sqrt(1 / samples)
    assert abs(np.mean(traces**2) - 1.0) < 5 * math.sqrt(np.var(traces**2) / samples)


# ---- threads and I/O ------------------------------------------------------------------------------


def test_thread_count(restore_threads):
    nt.set_thread_count(1)
    assert nt.thread_count() == 1
    nt.set_thread_count(2)
    assert nt.thread_count() == 2
    with pytest.raises(ValueError, match="threads"):
        nt.set_thread_count(0)


def test_npy_round_trip_read_by_numpy(tmp_path):
    matrix = np.arange(12.0).reshape(3, 4) ** 1.5
    nt.write_npy(tmp_path / "m.npy", matrix)
    np.testing.assert_array_equal(np.load(tmp_path / "m.npy"), matrix)
    np.testing.assert_array_equal(nt.read_npy(str(tmp_path / "m.npy")), matrix)
    vector = np.linspace(0, 1, 5)
    nt.write_npy(tmp_path / "v.npy", vector)
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), vector)
    assert nt.read_npy(tmp_path / "v.npy").shape == (5, 1)
    with pytest.raises(ValueError):
        nt.write_npy(tmp_path / "t.npy", np.zeros((2, 2, 2)))
