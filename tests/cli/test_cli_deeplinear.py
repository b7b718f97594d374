"""`neurotheory deeplinear ...`: the interface contract of issue 5 (keys of --json, files under --out,
exit code 2 with one line naming the parameter on bad input), checked against values the theory notes
state and against independent numpy evaluations of the closed forms."""
import json
import math

import numpy as np
import pytest

from cli_helpers import CLI, run, run_json  # noqa: F401

# The eight living things x 36 attributes as the theory notes (2.2) print them (rows = items).
LIVING_THINGS = [
    "110100010000000011100100000101100000",
    "110100001000000011000100000111100000",
    "110010000100000101010100000110010000",
    "110010000010000101001100000110010000",
    "101001000001000001010110101000001100",
    "101001000000100001001110111000001100",
    "101000100000010001001111001000000011",
    "101000100000001001010111001000000011",
]


def test_learning_time_contract(tmp_path):
    # Two layers in closed form: t = 1/(2s) ln[uf (s - u0) / (u0 (s - uf))] (notes 1.3); s = 3, a0 = 1e-3
    # to s/2 is the notes' half-learning time 1.33434.
    r = run_json("deeplinear", "learning-time", "--depth", 2, "--s", 3, "--u0", 1e-3, "--uf", 1.5, "--out", tmp_path)
    assert r["time"] == pytest.approx(1.33434, abs=1e-5)
    assert r["parameters"]["depth"] == 2
    # Deep: the notes' transition times t(0.1 -> 0.9) at s = 1 (D = 3: 2.009, D = 4: 1.800, D = 6: 1.452).
    for depth, t in [(3, 2.009), (4, 1.800), (6, 1.452)]:
        r = run_json("deeplinear", "learning-time", "--depth", depth, "--s", 1, "--u0", 0.1, "--uf", 0.9,
                     "--out", tmp_path / str(depth))
        assert r["time"] == pytest.approx(t, abs=1e-3)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["results"]["time"] == pytest.approx(1.33434, abs=1e-5)


def test_generalization_contract(tmp_path):
    # Advani-Saxe asymptotes at SNR 4 (notes 4): alpha = 0.5 -> 0.8, alpha = 2 -> 0.4.
    r = run_json("deeplinear", "generalization", "--alpha", 0.5, "--snr", 4, "--time", "inf", "--out", tmp_path / "a")
    assert r["test_error"] == pytest.approx(0.8, abs=1e-9)
    assert "train_error" in r
    r = run_json("deeplinear", "generalization", "--alpha", 2, "--snr", 4, "--time", "inf", "--out", tmp_path / "b")
    assert r["test_error"] == pytest.approx(0.4, abs=1e-9)
    # The training error of alpha = 2 at t -> inf is sigma_eps^2 (1 - 1/alpha) = 0.1 (least squares residual).
    assert r["train_error"] == pytest.approx(0.1, abs=1e-6)
    r = run_json("deeplinear", "generalization", "--alpha", 2, "--snr", 4, "--time", 1, "--optimal-stopping",
                 "--out", tmp_path / "c")
    for key in ("test_error", "train_error", "t_star", "test_error_at_t_star"):
        assert key in r
    assert 0 < r["t_star"] < math.inf
    # t* minimises the test error: the error at t* is below the asymptote and below the error at t = 1.
    assert r["test_error_at_t_star"] <= min(r["test_error"], 0.4) + 1e-12
    # Optimal ridge is Bayes optimal: early stopping cannot beat it.
    assert r["test_error_optimal_ridge"] <= r["test_error_at_t_star"] + 1e-9
    curve = np.genfromtxt(tmp_path / "c" / "curve.csv", delimiter=",", names=True)
    assert len(curve) == 100
    assert np.all(np.diff(curve["train_error"]) <= 1e-12)  # training error never increases under the flow
    assert np.load(tmp_path / "c" / "test_error.npy").shape == (100,)


def test_generalization_simulation_agrees(tmp_path):
    r = run_json("deeplinear", "generalization", "--alpha", 2, "--snr", 4, "--time", 1, "--simulate", "--inputs", 200,
                 "--seeds", 16, "--times", "0.1,1,10,100", "--out", tmp_path)
    sim = r["simulation"]
    assert sim["replicates"] == 16 and sim["examples"] == 400
    # 8 z-scores (train and test at 4 times) of 16-seed means: Student-t(15) at family-wise 1e-3 is ~5.9;
    # 1.5x for the O(1/N) finite-size bias.
    assert sim["max_z"] < 9.0
    table = np.genfromtxt(tmp_path / "curve.csv", delimiter=",", names=True)
    assert set(table.dtype.names) >= {"time", "test_error", "test_mean", "test_sem", "train_mean"}


def test_illusory_contract(tmp_path):
    # notes 2.6: pine has leaves peaks at 0.594 at t = 1.16 (a0 = 1e-3) and returns to 0.
    r = run_json("deeplinear", "illusory", "--dataset", "living-things", "--item", "pine", "--attribute", "leaves",
                 "--a0", 1e-3, "--out", tmp_path)
    assert r["peak_value"] == pytest.approx(0.594, abs=1e-3)
    assert r["peak_time"] == pytest.approx(1.16, abs=0.01)
    assert r["final_value"] == pytest.approx(0.0, abs=1e-9)
    # Items and attributes by index give the same answer (pine = item 0, leaves = attribute 28).
    r2 = run_json("deeplinear", "illusory", "--dataset", "living-things", "--item", 0, "--attribute", 28,
                  "--a0", 1e-3, "--out", tmp_path / "i")
    assert r2["peak_value"] == pytest.approx(r["peak_value"], rel=1e-12)
    curve = np.genfromtxt(tmp_path / "curve.csv", delimiter=",", names=True)
    assert curve["prediction"].max() == pytest.approx(r["peak_value"], abs=2e-3)  # grid max within the peak


def test_hierarchy_contract(tmp_path):
    # notes 2.4, B = 2, L = 3, eps = 0.15: q = 0.49, lambda_k = (1 - q) sum_{m=0}^{L-k} (Bq)^m.
    r = run_json("deeplinear", "hierarchy", "--branching", 2, "--levels", 3, "--flip", 0.15, "--out", tmp_path)
    q, B, L = 0.49, 2, 3
    expected = [(B * q) ** L + (1 - q) * sum((B * q) ** m for m in range(L))]
    expected += [(1 - q) * sum((B * q) ** m for m in range(L - k + 1)) for k in range(1, L + 1)]
    assert r["eigenvalues"] == pytest.approx(expected, rel=1e-12)
    assert r["multiplicities"] == [1, 1, 2, 4]
    # An independent check: the eigenvalues of the analytic covariance matrix it writes.
    cov = np.load(tmp_path / "covariance.npy")
    eig = np.sort(np.linalg.eigvalsh(cov))[::-1]
    assert eig == pytest.approx(np.repeat(expected, [1, 1, 2, 4]), rel=1e-10)
    # The sampled singular values (N_f = 1000) per level within ~3 sampling errors of sqrt(N_f lambda)
    # (relative sd of a chi-square-like level mean ~ sqrt(2/(N_f m_k)); 10% is a wide margin).
    assert r["sample_singular_values"] == pytest.approx(r["singular_values"], rel=0.1)


def test_modes_writes_theory_and_simulation(tmp_path):
    r = run_json("deeplinear", "modes", "--dataset", "four-items", "--depth", 2, "--a0", 1e-3, "--out", tmp_path)
    s = np.load(tmp_path / "singular_values.npy")
    assert s == pytest.approx([math.sqrt(7), math.sqrt(3), 1, 1], abs=1e-12)  # notes 2.3
    times = np.load(tmp_path / "times.npy")
    theory = np.load(tmp_path / "theory.npy")
    assert theory.shape == (times.size, 4)
    closed = s / (1 + (s / 1e-3 - 1) * np.exp(-2 * s * times[:, None]))
    np.testing.assert_allclose(theory, closed, rtol=1e-10)
    sim = np.load(tmp_path / "simulation.npy")
    assert sim.shape == np.load(tmp_path / "theory_at_records.npy").shape
    # Decoupled init: GD tracks the flow to ~3 eta s_max relative (notes 6).
    assert r["max_relative_deviation"] < 3 * r["euler_scale"] + 1e-6
    table = np.genfromtxt(tmp_path / "modes.csv", delimiter=",", names=True)
    assert set(table.dtype.names) == {"time", "mode", "singular_value", "theory", "simulation"}


def test_simulate_and_semantics(tmp_path):
    r = run_json("deeplinear", "simulate", "--dataset", "living-things", "--width", 16, "--steps", 2000,
                 "--learning-rate", 0.002, "--out", tmp_path / "s")
    assert r["status"] == "completed" and r["loss_final"] < r["loss_initial"]
    assert np.load(tmp_path / "s" / "weights_1.npy").shape == (16, 8)
    assert np.load(tmp_path / "s" / "weights_2.npy").shape == (36, 16)
    # W2^T W2 - W1 W1^T is conserved by the flow and drifts by O(eta) under GD (notes 1.4): over the same
    # time t = 4, halving eta halves the drift (measured 3.4e-5 at eta = 0.002).
    half = run_json("deeplinear", "simulate", "--dataset", "living-things", "--width", 16, "--steps", 4000,
                    "--learning-rate", 0.001, "--out", tmp_path / "s2")
    assert r["conserved_drift"] < 1e-4
    assert 1.6 < r["conserved_drift"] / half["conserved_drift"] < 2.4
    r = run_json("deeplinear", "semantics", "--dataset", "living-things", "--time", 100, "--novel-property-item",
                 "canary", "--out", tmp_path / "m")
    rsm = np.load(tmp_path / "m" / "rsm_hidden.npy")
    # At convergence the hidden similarity is (Y^T Y)^{1/2} (notes 2.5), computed here independently.
    y = np.array([[int(ch) for ch in row] for row in LIVING_THINGS], dtype=float).T  # features x items
    w, v = np.linalg.eigh(y.T @ y)
    np.testing.assert_allclose(rsm, (v * np.sqrt(np.clip(w, 0, None))) @ v.T, atol=1e-6)
    assert r["novel_property"][5] == pytest.approx(1.0)  # canary: the taught item itself


@pytest.mark.parametrize("args, field", [
    (("deeplinear", "learning-time", "--s", -1), "s"),
    (("deeplinear", "learning-time", "--u0", 2, "--s", 1), "u0"),
    (("deeplinear", "learning-time", "--depth", 0), "depth"),
    (("deeplinear", "generalization", "--alpha", 0), "alpha"),
    (("deeplinear", "generalization", "--snr", -1), "snr"),
    (("deeplinear", "generalization", "--time", -1), "time"),
    (("deeplinear", "illusory", "--item", "whale", "--attribute", "leaves"), "item"),
    (("deeplinear", "illusory", "--item", "pine", "--attribute", "wheels"), "attribute"),
    (("deeplinear", "illusory", "--item", "99", "--attribute", "leaves"), "item"),
    (("deeplinear", "hierarchy", "--flip", 0.7), "flip"),
    (("deeplinear", "hierarchy", "--branching", 1), "branching"),
    (("deeplinear", "modes", "--dataset", "zoo"), "dataset"),
    (("deeplinear", "modes", "--depth", 0), "depth"),
    (("deeplinear", "simulate", "--activation", "sigmoid"), "activation"),
    (("deeplinear", "simulate", "--learning-rate", "abc"), "learning-rate"),
])
def test_deeplinear_bad_input_exits_2(tmp_path, args, field):
    out = tmp_path / "out"
    proc = run(*args, "--out", out, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert field in lines[0]
    assert proc.stdout == ""
    assert not out.exists()


def test_deeplinear_help():
    for sub in ("modes", "simulate", "semantics", "hierarchy", "generalization", "learning-time", "illusory",
                "spiked", "coherence"):
        out = run("deeplinear", sub, "--help").stdout
        assert "--json" in out and "--out" in out
