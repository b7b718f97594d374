"""neurotheory.signalprop against independent numpy computations of the mean-field maps, the known
values of docs/theory/signalprop.md section 4, and finite-network simulation (tolerances from the
standard errors and the width). Seeds are fixed."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest

import neurotheory as nt

trapezoid = getattr(np, "trapezoid", None) or np.trapz

# Independent quadrature: trapezoid rules on uniform z grids (spectrally accurate for tanh).
Z = np.linspace(-14.0, 14.0, 40001)
DENSITY = np.exp(-0.5 * Z**2) / math.sqrt(2.0 * math.pi)
Z2 = np.linspace(-9.0, 9.0, 1801)  # 2-D grid, spacing 0.01
DENSITY2 = np.exp(-0.5 * Z2**2) / math.sqrt(2.0 * math.pi)


def sech2(x):
    return 1.0 / np.cosh(x) ** 2


def expect(f, q: float) -> float:
    return float(trapezoid(f(math.sqrt(q) * Z) * DENSITY, Z))


def expect_pair(f, g, q1: float, q2: float, q12: float) -> float:
    """E[f(u1) g(u2)] for the Gaussian pair, on a 2-D trapezoid grid."""
    c = q12 / math.sqrt(q1 * q2)
    z1 = Z2[:, None]
    z2 = Z2[None, :]
    u1 = math.sqrt(q1) * z1
    u2 = math.sqrt(q2) * (c * z1 + math.sqrt(max(0.0, 1 - c * c)) * z2)
    integrand = f(u1) * g(u2) * DENSITY2[:, None] * DENSITY2[None, :]
    return float(trapezoid(trapezoid(integrand, Z2, axis=1), Z2))


def length_map(q: float, sigma_w2: float, sigma_b2: float) -> float:
    return sigma_w2 * expect(lambda u: np.tanh(u) ** 2, q) + sigma_b2


# ---- fixed points ---------------------------------------------------------------------------------


def test_fixed_point_tanh_chaotic_known_values():
    # docs/theory/signalprop.md section 4: sigma_w = 4, sigma_b = 0.3 (std convention).
    sigma_w2, sigma_b2 = 16.0, 0.09
    r = nt.fixed_point(activation="tanh", sigma_w2=sigma_w2, sigma_b2=sigma_b2)
    assert r["q_star"] == pytest.approx(12.604149, rel=1e-6)
    assert r["chi1"] == pytest.approx(2.367261, rel=1e-6)
    assert math.sqrt(r["chi1"]) == pytest.approx(1.5386, abs=1e-4)  # curve length growth per layer
    assert r["phase"] == "chaotic"
    assert r["converged"] is True
    assert r["q_status"] == r["c_status"] == "converged"
    assert isinstance(r["q_iterations"], int) and r["q_iterations"] >= 1
    # Independent checks of what the numbers mean.
    q = r["q_star"]
    assert length_map(q, sigma_w2, sigma_b2) == pytest.approx(q, rel=1e-10)
    assert r["chi1"] == pytest.approx(sigma_w2 * expect(lambda u: sech2(u) ** 2, q), rel=1e-10)
    h = 1e-4
    slope = (length_map(q + h, sigma_w2, sigma_b2) - length_map(q - h, sigma_w2, sigma_b2)) / (2 * h)
    assert r["length_slope"] == pytest.approx(slope, rel=1e-6)
    assert r["xi_q"] == pytest.approx(-1 / math.log(slope), rel=1e-6)
    c = r["c_star"]
    assert 0 < c < 1
    c_map = (sigma_w2 * expect_pair(np.tanh, np.tanh, q, q, c * q) + sigma_b2) / q
    assert c_map == pytest.approx(c, abs=1e-8)
    chi_c = sigma_w2 * expect_pair(sech2, sech2, q, q, c * q)
    assert r["chi_c"] == pytest.approx(chi_c, rel=1e-7)
    assert r["one_minus_chi_c"] == pytest.approx(1 - r["chi_c"], abs=1e-15)
    assert r["xi_c"] == pytest.approx(-1 / math.log(r["chi_c"]), rel=1e-12)


def test_fixed_point_tanh_ordered():
    r = nt.fixed_point(sigma_w2=1.0, sigma_b2=0.05)
    assert r["phase"] == "ordered"
    assert r["c_star"] == pytest.approx(1.0, abs=1e-12)
    assert r["chi1"] < 1
    assert r["chi_c"] == pytest.approx(r["chi1"], rel=1e-9)
    assert r["xi_c"] == pytest.approx(-1 / math.log(r["chi1"]), rel=1e-8)
    assert length_map(r["q_star"], 1.0, 0.05) == pytest.approx(r["q_star"], rel=1e-10)


def test_fixed_point_relu_closed_form_and_divergence():
    # relu: V(q) = sigma_w2 q / 2 + sigma_b2, so q* = sigma_b2 / (1 - sigma_w2 / 2) below sigma_w2 = 2.
    r = nt.fixed_point(activation="relu", sigma_w2=1.0, sigma_b2=0.5)
    assert r["q_star"] == pytest.approx(1.0, rel=1e-12)
    assert r["chi1"] == pytest.approx(0.5, rel=1e-12)
    # ... and above it q grows without bound: a status, not an exception.
    r = nt.fixed_point(activation="relu", sigma_w2=3.0, sigma_b2=0.05)
    assert r["q_status"] == "diverged"
    assert r["converged"] is False
    assert math.isinf(r["q_star"])


def test_fixed_point_arguments():
    by_keyword = nt.fixed_point(activation="tanh", sigma_w2=16.0, sigma_b2=0.09)
    assert nt.fixed_point("tanh", 16.0, 0.09) == by_keyword
    assert nt.fixed_point("tanh", 16, 0.09, quadrature_order=0) == by_keyword
    assert nt.fixed_point(sigma_w2=np.float64(16.0), sigma_b2=0.09, max_iterations=np.int64(400)) == by_keyword
    defaults = nt.parameters("fixed_point")
    assert list(defaults) == [
        "activation", "sigma_w2", "sigma_b2", "quadrature_order", "q0", "c0", "tolerance", "max_iterations",
    ]
    assert nt.fixed_point() == nt.fixed_point(**{k: v["default"] for k, v in defaults.items()})
    # The docstring's first line is the generated signature.
    first_line = nt.fixed_point.__doc__.splitlines()[0]
    assert first_line.startswith("fixed_point(activation: str = 'tanh', sigma_w2: float = ")
    assert first_line.endswith("max_iterations: int = 500) -> dict")


def test_keyword_errors_are_type_errors():
    with pytest.raises(TypeError, match="'sigma_w'") as info:
        nt.fixed_point(sigma_w=2.0)
    assert "sigma_w2" in str(info.value)  # lists the valid names
    with pytest.raises(TypeError, match="multiple values for argument 'activation'"):
        nt.fixed_point("tanh", activation="relu")
    with pytest.raises(TypeError, match="at most 8 positional"):
        nt.fixed_point(*range(9))
    with pytest.raises(TypeError, match="'sigma_w2' must be float, not str"):
        nt.fixed_point(sigma_w2="16")
    with pytest.raises(TypeError, match="'max_iterations' must be int, not float"):
        nt.fixed_point(max_iterations=10.5)
    with pytest.raises(TypeError, match="'activation' must be str"):
        nt.fixed_point(activation=3)
    with pytest.raises(TypeError, match="'correlation' must be bool"):
        nt.phase_diagram(correlation=1)
    with pytest.raises(TypeError, match="'seed'"):
        nt.simulate(seed=-1)
    with pytest.raises(TypeError, match="'widht'"):
        nt.simulate(widht=100)


def test_value_errors_name_the_field():
    with pytest.raises(ValueError, match="activation") as info:
        nt.fixed_point(activation="softsign")
    assert info.value.field == "activation"
    with pytest.raises(ValueError, match="sigma_w2") as info:
        nt.fixed_point(sigma_w2=-1.0)
    assert info.value.field == "sigma_w2"
    with pytest.raises(ValueError, match="tolerance"):
        nt.fixed_point(tolerance=1.0)
    with pytest.raises(ValueError, match="activation"):
        nt.MeanField("softsign", 1.0, 0.0)
    with pytest.raises(ValueError, match="sigma_b2"):
        nt.critical_point("tanh", -0.1)
    with pytest.raises(ValueError, match="depth"):
        nt.trajectory("tanh", 1.0, 0.0, 1.0, 1.0, 0.5, 0)


# ---- critical line and point ----------------------------------------------------------------------


def test_critical_point_tanh_known_values():
    # docs/theory/signalprop.md section 4 (variance convention).
    r = nt.critical_point("tanh", 0.05)
    assert r["found"] is True
    assert r["sigma_w2"] == pytest.approx(1.760955, rel=1e-5)
    assert r["q_star"] == pytest.approx(0.570048, rel=1e-5)
    assert r["sigma_b2"] == 0.05
    assert r["chi1"] == pytest.approx(1.0, abs=1e-12)
    assert nt.critical_point("tanh", 2.01e-5)["sigma_w2"] == pytest.approx(1.049996, rel=1e-5)
    # Independently: chi_1 = 1 and q* = V(q*) there.
    q = r["q_star"]
    assert r["sigma_w2"] * expect(lambda u: sech2(u) ** 2, q) == pytest.approx(1.0, rel=1e-10)
    assert length_map(q, r["sigma_w2"], 0.05) == pytest.approx(q, rel=1e-10)
    fp = nt.fixed_point(sigma_w2=r["sigma_w2"], sigma_b2=0.05)
    assert fp["chi1"] == pytest.approx(1.0, abs=1e-9)
    assert fp["phase"] == "critical"
    assert fp["q_star"] == pytest.approx(q, rel=1e-10)


def test_critical_point_relu():
    r = nt.critical_point("relu", 0.0)
    assert r["found"] is True
    assert r["sigma_w2"] == pytest.approx(2.0, rel=1e-13)
    assert math.isnan(r["q_star"])
    assert "marginal" in r["note"]
    r = nt.critical_point("relu", 0.1)
    assert r["found"] is False
    assert math.isnan(r["sigma_w2"])
    assert r["note"]


def test_critical_line_tanh():
    q = np.array([0.01, 0.1, 0.5, 1.0, 3.0])
    r = nt.critical_line("tanh", q)
    np.testing.assert_array_equal(r["q_star"], q)
    for qi, sw2, sb2 in zip(q, r["sigma_w2"], r["sigma_b2"]):
        assert sw2 * expect(lambda u: sech2(u) ** 2, qi) == pytest.approx(1.0, rel=1e-10)
        assert sb2 == pytest.approx(qi - sw2 * expect(lambda u: np.tanh(u) ** 2, qi), rel=1e-8, abs=1e-14)
    assert np.all(np.diff(r["sigma_w2"]) > 0) and np.all(np.diff(r["sigma_b2"]) > 0)
    # At sigma_b2 -> 0 the line starts at sigma_w2 = 1 / phi'(0)^2 = 1.
    assert nt.critical_line("tanh", [1e-8])["sigma_w2"][0] == pytest.approx(1.0, rel=1e-7)
    # A list works as well as an array.
    np.testing.assert_array_equal(nt.critical_line("tanh", list(q))["sigma_w2"], r["sigma_w2"])
    with pytest.raises(ValueError, match="q_star"):
        nt.critical_line("tanh", [-1.0])


def test_critical_point_arguments():
    by_keyword = nt.critical_point(activation="tanh", sigma_b2=0.05, quadrature_order=0)
    assert nt.critical_point("tanh", 0.05) == by_keyword
    assert nt.critical_point() == nt.critical_point(**{k: v["default"] for k, v in nt.parameters("critical_point").items()})
    with pytest.raises(TypeError, match="sigma_w2"):
        nt.critical_point(sigma_w2=1.0)


def test_depth_scales_sweep():
    r = nt.depth_scales(activation="tanh", sigma_b2=0.05, sigma_w2_min=1.0, sigma_w2_max=4.0, points=7)
    np.testing.assert_allclose(r["sigma_w2"], np.linspace(1.0, 4.0, 7), rtol=1e-15)
    for key in ("q_star", "c_star", "chi1", "chi_c", "one_minus_chi_c", "xi_q", "xi_c", "converged"):
        assert r[key].shape == (7,), key
    assert np.all(r["converged"] == 1.0)
    for i in (0, 3, 6):
        fp = nt.fixed_point(sigma_w2=r["sigma_w2"][i], sigma_b2=0.05)
        assert r["q_star"][i] == pytest.approx(fp["q_star"], rel=1e-9)
        assert r["xi_q"][i] == pytest.approx(fp["xi_q"], rel=1e-8)
        assert r["xi_c"][i] == pytest.approx(fp["xi_c"], rel=1e-6)
    np.testing.assert_allclose(r["one_minus_chi_c"], 1 - r["chi_c"], atol=1e-15)
    assert r["critical"]["sigma_w2"] == pytest.approx(1.760955, rel=1e-5)
    # xi_c peaks at the grid point nearest the transition (S17 Fig. 2).
    nearest = int(np.argmin(np.abs(r["sigma_w2"] - r["critical"]["sigma_w2"])))
    assert int(np.argmax(r["xi_c"])) == nearest
    assert r["config"]["points"] == 7


# ---- the maps and the layer-by-layer theory -------------------------------------------------------


def test_mean_field_maps():
    mf = nt.MeanField("tanh", 1.5, 0.05)
    assert mf.params == {"activation": "tanh", "sigma_w2": 1.5, "sigma_b2": 0.05, "quadrature_order": 0}
    assert mf.activation.name == "tanh"
    assert "sigma_w2=1.5" in repr(mf)
    qs = np.array([0.1, 0.7, 2.0, 6.0])
    values = mf.length_map(qs)
    assert values.shape == qs.shape
    for q, v in zip(qs, values):
        assert v == pytest.approx(length_map(q, 1.5, 0.05), rel=1e-10)
        assert mf.length_map(float(q)) == v
        assert mf.chi(float(q)) == pytest.approx(1.5 * expect(lambda u: sech2(u) ** 2, q), rel=1e-10)
        h = 1e-5 * q
        slope = (length_map(q + h, 1.5, 0.05) - length_map(q - h, 1.5, 0.05)) / (2 * h)
        assert mf.length_slope(float(q)) == pytest.approx(slope, rel=1e-6)
    assert isinstance(mf.chi(0.5), float)
    # At the fixed point: C(1) = 1 and dC/dc at c = 1 is chi_1.
    fp = nt.fixed_point(sigma_w2=1.5, sigma_b2=0.05)
    q = fp["q_star"]
    assert mf.chi(q) == pytest.approx(fp["chi1"], rel=1e-12)
    assert mf.correlation_map(1.0, q) == pytest.approx(1.0, rel=1e-10)
    assert mf.correlation_slope(1.0, q) == pytest.approx(fp["chi1"], rel=1e-8)
    cs = np.array([0.0, 0.3, 0.8])
    for c, v in zip(cs, mf.correlation_map(cs, q)):
        assert v == pytest.approx((1.5 * expect_pair(np.tanh, np.tanh, q, q, c * q) + 0.05) / q, rel=1e-9)
    q_aa, q_bb, q_ab = mf.pair_map(1.0, 2.0, 0.5)
    assert q_aa == pytest.approx(length_map(1.0, 1.5, 0.05), rel=1e-10)
    assert q_bb == pytest.approx(length_map(2.0, 1.5, 0.05), rel=1e-10)
    assert q_ab == pytest.approx(1.5 * expect_pair(np.tanh, np.tanh, 1.0, 2.0, 0.5) + 0.05, rel=1e-9)


def test_known_values_of_kinked_activations():
    # docs/theory/signalprop.md section 4, quadrature sanity at q = 0.7 and the relu c-map at c = 0.3.
    assert nt.MeanField("hard_tanh", 1.0, 0.0).chi(0.7) == pytest.approx(0.768002276, abs=1e-9)
    assert nt.MeanField("relu", 2.0, 0.0).correlation_map(0.3, 1.0) == pytest.approx(0.48274428, abs=1e-8)
    assert nt.MeanField("relu", 3.0, 0.0).chi(5.0) == pytest.approx(1.5, rel=1e-13)  # sigma_w2 / 2


def test_trajectory_against_the_maps():
    sw2, sb2, depth = 1.5, 0.05, 12
    t = nt.trajectory("tanh", sw2, sb2, 1.0, 2.0, 0.3, depth)
    for key in ("layer", "q_a", "q_b", "c", "chi", "gradient"):
        assert t[key].shape == (depth + 1,)
    np.testing.assert_array_equal(t["layer"], np.arange(depth + 1))
    assert (t["q_a"][0], t["q_b"][0], t["c"][0]) == (1.0, 2.0, 0.3)
    # Layer 1 is linear in the input: q^1 = sigma_w2 q^0 + sigma_b2.
    assert t["q_a"][1] == pytest.approx(sw2 * 1.0 + sb2, rel=1e-15)
    q_ab1 = sw2 * 0.3 * math.sqrt(2.0) + sb2
    assert t["c"][1] == pytest.approx(q_ab1 / math.sqrt(t["q_a"][1] * t["q_b"][1]), rel=1e-14)
    # Then the length map, and the pair map for the covariance (independent 2-D quadrature).
    for layer in range(1, 4):
        qa, qb, c = t["q_a"][layer], t["q_b"][layer], t["c"][layer]
        assert t["q_a"][layer + 1] == pytest.approx(length_map(qa, sw2, sb2), rel=1e-10)
        q_ab = sw2 * expect_pair(np.tanh, np.tanh, qa, qb, c * math.sqrt(qa * qb)) + sb2
        assert t["c"][layer + 1] == pytest.approx(q_ab / math.sqrt(t["q_a"][layer + 1] * t["q_b"][layer + 1]), rel=1e-9)
    # Backward pass: gradient[l] = gradient[l+1] chi(q^l), normalised at the last layer.
    mf = nt.MeanField("tanh", sw2, sb2)
    np.testing.assert_allclose(t["chi"][1:], mf.chi(t["q_a"][1:]), rtol=1e-14)
    assert t["gradient"][-1] == 1.0
    np.testing.assert_allclose(t["gradient"][1:-1] / t["gradient"][2:], t["chi"][1:-1], rtol=1e-13)
    assert math.isnan(t["chi"][0]) and math.isnan(t["gradient"][0])
    # Defaults are trajectory_options' (depth 30); keywords are the C++ field names.
    default = nt.trajectory()
    assert default["q_a"].shape == (nt.parameters("trajectory")["depth"]["default"] + 1,)
    assert nt.trajectory(depth=3, c0=0.2)["c"][0] == 0.2
    # Deep enough, q reaches the fixed point.
    deep = nt.trajectory("tanh", sw2, sb2, 1.0, 2.0, 0.3, 40)
    assert deep["q_a"][-1] == pytest.approx(nt.fixed_point(sigma_w2=sw2, sigma_b2=sb2)["q_star"], rel=1e-9)


# ---- phase diagram --------------------------------------------------------------------------------


def test_phase_diagram_matches_fixed_points():
    r = nt.phase_diagram(sigma_w2_min=0.5, sigma_w2_max=4.0, sigma_w2_points=8, sigma_b2_min=0.0,
                         sigma_b2_max=0.5, sigma_b2_points=6)
    np.testing.assert_allclose(r["sigma_w2"], np.linspace(0.5, 4.0, 8), rtol=1e-15)
    np.testing.assert_allclose(r["sigma_b2"], np.linspace(0.0, 0.5, 6), rtol=1e-15)
    for key in ("q_star", "c_star", "chi1", "chi_c", "xi_q", "xi_c", "status"):
        assert r[key].shape == (8, 6), key
    assert r["converged_points"] == 48 and r["failed_points"] == 0
    assert np.all(r["status"] == 0)
    assert r["chaotic_points"] == int(np.sum(r["chi1"] > 1 + 1e-9))
    assert 0 < r["chaotic_points"] < 48
    assert r["config"]["sigma_w2_points"] == 8 and r["config"]["activation"] == "tanh"
    for i, j in [(0, 0), (3, 2), (7, 5), (5, 0)]:
        fp = nt.fixed_point(sigma_w2=r["sigma_w2"][i], sigma_b2=r["sigma_b2"][j])
        assert r["q_star"][i, j] == pytest.approx(fp["q_star"], rel=1e-9, abs=1e-12)
        assert r["chi1"][i, j] == pytest.approx(fp["chi1"], rel=1e-9)
        assert r["c_star"][i, j] == pytest.approx(fp["c_star"], abs=1e-8)
        assert r["chi_c"][i, j] == pytest.approx(fp["chi_c"], rel=1e-7)


def test_phase_diagram_std_spacing_and_errors():
    r = nt.phase_diagram(sigma_w2_min=1.0, sigma_w2_max=16.0, sigma_w2_points=4, sigma_b2_max=0.09,
                         sigma_b2_points=3, spacing="std", correlation=False)
    np.testing.assert_allclose(r["sigma_w2"], np.array([1.0, 2.0, 3.0, 4.0]) ** 2, rtol=1e-14)
    np.testing.assert_allclose(r["sigma_b2"], np.array([0.0, 0.15, 0.3]) ** 2, rtol=1e-14, atol=1e-17)
    assert r["q_star"][-1, -1] == pytest.approx(12.604149, rel=1e-6)
    with pytest.raises(ValueError, match="spacing") as info:
        nt.phase_diagram(spacing="log")
    assert info.value.field == "spacing"
    with pytest.raises(TypeError, match="sigma_w_points"):
        nt.phase_diagram(sigma_w_points=10)
    with pytest.raises(TypeError, match="'sigma_w2_points' must be int"):
        nt.phase_diagram(sigma_w2_points=2.5)


def test_phase_diagram_does_not_depend_on_threads(restore_threads):
    options = dict(sigma_w2_points=6, sigma_b2_points=5, sigma_w2_max=4.0)
    nt.set_thread_count(1)
    one = nt.phase_diagram(**options)
    nt.set_thread_count(2)
    two = nt.phase_diagram(**options)
    for key in ("q_star", "c_star", "chi1", "chi_c", "xi_q", "xi_c"):
        np.testing.assert_array_equal(one[key], two[key])


def test_phase_diagram_releases_the_gil(restore_threads):
    # While phase_diagram runs in a thread, Python code in this thread must keep running: with the GIL
    # held the loop below would stall for the whole computation.
    nt.set_thread_count(1)  # leave a core for this thread
    options = dict(sigma_w2_points=10, sigma_b2_points=8)
    start = time.perf_counter()
    nt.phase_diagram(**options)
    duration = time.perf_counter() - start
    repeats = max(1, math.ceil(0.4 / max(duration, 1e-3)))  # about 0.4 s of work in the thread

    def work():
        for _ in range(repeats):
            nt.phase_diagram(**options)

    worker = threading.Thread(target=work)
    ticks = []
    worker.start()
    begun = time.perf_counter()
    while worker.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    elapsed = time.perf_counter() - begun
    assert elapsed > 0.1
    gaps = np.diff([begun, *ticks])
    assert len(ticks) > 20
    assert gaps.max() < 0.5 * elapsed, f"the main thread stalled {gaps.max():.3f} s of {elapsed:.3f} s"


# ---- finite networks ------------------------------------------------------------------------------


SMALL = dict(activation="tanh", sigma_w2=1.5, sigma_b2=0.05, width=200, depth=5, seeds=4, seed=12345)


@pytest.fixture(scope="module")
def small_simulation():
    return nt.simulate(**SMALL)


def test_simulation_shapes_and_inputs(small_simulation):
    r = small_simulation
    q0, c0 = [0.1, 1.0, 4.0], [0.0, 0.5, 0.9]  # the defaults
    assert r["config"]["q0"] == q0 and r["config"]["c0"] == c0 and r["config"]["seed"] == 12345
    assert r["replicates"] == 4
    np.testing.assert_array_equal(r["layer"], np.arange(6))
    for key in ("q_mean", "q_sem", "q_theory", "gradient_mean", "gradient_sem", "gradient_theory"):
        assert r[key].shape == (6, 3), key
    for key in ("c_mean", "c_sem", "c_theory"):
        assert r[key].shape == (6, 3), key
    # Inputs are built with exact lengths and correlations.
    np.testing.assert_allclose(r["q_mean"][0], q0, rtol=1e-12)
    np.testing.assert_allclose(r["c_mean"][0], c0, atol=1e-12)
    # The pairs start where q^1 = q*.
    assert SMALL["sigma_w2"] * r["pair_q0"] + SMALL["sigma_b2"] == pytest.approx(r["q_star"], rel=1e-12)
    assert np.all(np.isnan(r["gradient_mean"][[0, -1]]))


def test_simulation_theory_is_the_trajectory(small_simulation):
    r = small_simulation
    for j, q0 in enumerate(r["config"]["q0"]):
        t = nt.trajectory("tanh", 1.5, 0.05, q0, q0, 1.0, 5)
        np.testing.assert_allclose(r["q_theory"][:, j], t["q_a"], rtol=1e-12)
        np.testing.assert_allclose(r["gradient_theory"][1:-1, j], t["chi"][1:-1], rtol=1e-12)
    for j, c0 in enumerate(r["config"]["c0"]):
        t = nt.trajectory("tanh", 1.5, 0.05, r["pair_q0"], r["pair_q0"], c0, 5)
        np.testing.assert_allclose(r["c_theory"][:, j], t["c"], rtol=1e-10, atol=1e-14)


def test_simulation_agrees_with_theory(small_simulation):
    # Per network, the empirical q^l of N Gaussian pre-activations fluctuates by q sqrt(2/N) per layer
    # and the empirical correlation by (1 - c^2)/sqrt(N) (Fisher); fluctuations add up over l layers
    # (the maps contract here). The mean over S networks has that spread / sqrt(S); the reported
    # standard error (from only S = 4 networks) is itself noisy, so the larger of the two is used, with
    # 5 standard deviations and an O(1/N) finite-width bias.
    r = small_simulation
    n, s = SMALL["width"], SMALL["seeds"]
    layers = np.arange(1, SMALL["depth"] + 1)[:, None]
    q_theory = r["q_theory"][1:]
    q_spread = q_theory * np.sqrt(2.0 * layers / n / s)
    q_sigma = np.maximum(r["q_sem"][1:], q_spread)
    assert np.all(np.abs(r["q_mean"][1:] - q_theory) < 5 * q_sigma + 2 * q_theory / n)
    c_theory = r["c_theory"][1:]
    c_spread = (1 - c_theory**2) * np.sqrt(layers / n / s)
    c_sigma = np.maximum(r["c_sem"][1:], c_spread)
    assert np.all(np.abs(r["c_mean"][1:] - c_theory) < 5 * c_sigma + 2.0 / n)
    # Gradient growth |delta^l|^2 / |delta^(l+1)|^2: a ratio of two such sums, relative spread 2/sqrt(N).
    g_theory = r["gradient_theory"][1:-1]
    g_sigma = np.maximum(r["gradient_sem"][1:-1], g_theory * 2.0 / math.sqrt(n * s))
    assert np.all(np.abs(r["gradient_mean"][1:-1] - g_theory) < 5 * g_sigma + 2 * g_theory / n)
    # The library's own summary agrees with the arrays.
    q_rel = np.max(np.abs(r["q_mean"][1:] - q_theory) / q_theory)
    assert r["max_q_relative"] == pytest.approx(q_rel, rel=1e-9)


def test_simulation_is_deterministic_and_seeded():
    small = dict(SMALL, depth=3, seeds=2, q0=[1.0], c0=[0.5])
    a = nt.simulate(**small)
    b = nt.simulate(**small)
    np.testing.assert_array_equal(a["q_mean"], b["q_mean"])
    np.testing.assert_array_equal(a["c_mean"], b["c_mean"])
    c = nt.simulate(**dict(small, seed=54321))
    assert not np.array_equal(a["q_mean"][1:], c["q_mean"][1:])
    # A scalar is accepted for a list field, and the orthogonal ensemble runs too.
    d = nt.simulate(**dict(small, q0=1.0, weights="orthogonal", gradients=False))
    assert d["q_mean"].shape == (4, 1)
    assert d["config"]["weights"] == "orthogonal"
    assert nt.simulate(**dict(small, q0=np.int64(2), c0=np.array([0.1, 0.2])))["config"]["q0"] == [2.0]


def test_simulation_validation():
    with pytest.raises(ValueError, match="weights") as info:
        nt.simulate(**dict(SMALL, weights="uniform"))
    assert info.value.field == "weights"
    with pytest.raises(ValueError, match="width"):
        nt.simulate(**dict(SMALL, width=3))
    with pytest.raises(ValueError, match="q0"):
        nt.simulate(**dict(SMALL, q0=[-1.0]))
    with pytest.raises(TypeError, match="'q0' must be list"):
        nt.simulate(**dict(SMALL, q0="1.0"))


def test_parameters_mirror_the_option_structs():
    names = list(nt.parameters("simulate"))
    assert names == ["activation", "sigma_w2", "sigma_b2", "quadrature_order", "width", "depth", "weights",
                     "seeds", "seed", "q0", "c0", "pair_q0", "gradients"]
    fields = nt.parameters("phase_diagram")
    assert fields["spacing"] == {"default": "variance", "type": "str", "help": fields["spacing"]["help"]}
    assert fields["spacing"]["help"]
    assert list(nt.parameters("network")) == names[:4]
    for name in names:
        assert f"\n{name} : " in nt.simulate.__doc__
    with pytest.raises(ValueError):
        nt.parameters("train")
