"""The CLI's interface contract (docs/cli.md): --json prints exactly one JSON object, results land
in --out as JSON/NPY/CSV, bad input exits 2 with one line naming the parameter and writes nothing."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import CLI, run, run_json  # noqa: F401


def test_fixed_point_contract(tmp_path):
    # Poole et al. 2016's sigma_w = 4, sigma_b = 0.3 (std) in variances.
    r = run_json("signalprop", "fixed-point", "--activation", "tanh", "--sigma-w2", 16, "--sigma-b2", 0.09,
                 "--out", tmp_path)
    for key in ("q_star", "c_star", "chi1", "chi_c", "xi_q", "xi_c", "one_minus_chi_c", "converged"):
        assert key in r
    assert r["q_star"] == pytest.approx(12.604149, abs=2e-6)
    assert r["chi1"] == pytest.approx(2.367261, abs=2e-6)
    assert r["phase"] == "chaotic"
    assert r["parameters"]["sigma_w2"] == 16
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["config"]["activation"] == "tanh"
    assert meta["results"]["q_star"] == r["q_star"]
    assert "neurotheory_version" in meta


def test_critical_contract(tmp_path):
    r = run_json("signalprop", "critical", "--activation", "tanh", "--sigma-b2", 0.05, "--out", tmp_path)
    assert r["sigma_w2"] == pytest.approx(1.760955, abs=1e-6)
    assert r["q_star"] == pytest.approx(0.570048, abs=1e-6)
    line = np.genfromtxt(tmp_path / "critical_line.csv", delimiter=",", names=True)
    assert np.all(np.diff(line["sigma_w2"]) > 0)  # sigma_w2 grows along the line with q*


def test_diverged_point_is_a_status_not_a_number(tmp_path):
    r = run_json("signalprop", "fixed-point", "--activation", "relu", "--sigma-w2", 2.5, "--sigma-b2", 0.1,
                 "--out", tmp_path)
    assert r["converged"] is False
    assert r["q_status"] == "diverged"
    assert r["chi1"] is None


def test_phase_diagram_writes_arrays_and_tidy_table(tmp_path):
    r = run_json("signalprop", "phase-diagram", "--sigma-w2-points", 7, "--sigma-b2-points", 5,
                 "--sigma-w2-min", 0.5, "--sigma-w2-max", 4, "--no-correlation", "--out", tmp_path)
    assert r["failed_points"] == 0
    chi1 = np.load(tmp_path / "chi1.npy")
    assert chi1.shape == (7, 5)
    assert np.load(tmp_path / "sigma_w2.npy").shape == (7,)
    table = np.genfromtxt(tmp_path / "phase_diagram.csv", delimiter=",", names=True)
    assert len(table) == 35
    np.testing.assert_allclose(table["chi1"].reshape(7, 5), chi1)
    assert r["chaotic_points"] == int((chi1 > 1).sum())
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_trajectory_and_depth_scales(tmp_path):
    r = run_json("signalprop", "trajectory", "--sigma-w2", 2.5, "--depth", 40, "--out", tmp_path / "t")
    c = np.load(tmp_path / "t" / "c.npy")
    assert c.shape == (41,)
    fp = run_json("signalprop", "fixed-point", "--sigma-w2", 2.5, "--out", tmp_path / "f")
    assert r["q_a_final"] == pytest.approx(fp["q_star"], rel=1e-9)
    d = run_json("signalprop", "depth-scales", "--points", 31, "--out", tmp_path / "d")
    assert d["critical_sigma_w2"] == pytest.approx(1.760955, abs=1e-6)
    table = np.genfromtxt(tmp_path / "d" / "depth_scales.csv", delimiter=",", names=True)
    peak = table["sigma_w2"][np.nanargmax(table["xi_c"])]
    assert abs(peak - 1.760955) <= 0.1 + 1e-12  # grid spacing 0.1: xi_c peaks next to criticality


def test_simulate_writes_theory_next_to_simulation(tmp_path):
    r = run_json("signalprop", "simulate", "--width", 300, "--depth", 6, "--seeds", 3, "--q0", "0.5,2",
                 "--c0", "0.2", "--out", tmp_path)
    assert r["replicates"] == 3
    q = np.load(tmp_path / "q_mean.npy")
    assert q.shape == (7, 2)
    np.testing.assert_allclose(q[0], [0.5, 2.0], rtol=1e-12)
    assert np.load(tmp_path / "c_theory.npy").shape == (7, 1)


def test_human_summary_without_json(tmp_path):
    out = run("signalprop", "fixed-point", "--sigma-w2", 3, "--out", tmp_path).stdout
    assert "chaotic phase" in out and "xi_c" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


@pytest.mark.parametrize("args,parameter", [
    (["signalprop", "fixed-point", "--activation", "tanhh"], "activation"),
    (["signalprop", "fixed-point", "--sigma-w2", "-1"], "sigma_w2"),
    (["signalprop", "fixed-point", "--sigma-b2", "abc"], "sigma-b2"),
    (["signalprop", "simulate", "--width", "0"], "width"),
    (["signalprop", "simulate", "--weights", "uniform"], "weights"),
    (["signalprop", "phase-diagram", "--spacing", "log"], "spacing"),
    (["signalprop", "critical", "--sigma-b2", "nan"], "sigma_b2"),
    (["reproduce", "--seed", "x"], "seed"),
])
def test_bad_input_exits_2_with_one_line_and_no_files(tmp_path, args, parameter):
    out = tmp_path / "out"
    proc = run(*args, "--out", out, check=False) if args[0] != "reproduce" else run(*args, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert parameter in lines[0]
    assert proc.stdout == ""
    assert not out.exists()


def test_help_for_every_subcommand():
    for sub in ("fixed-point", "trajectory", "critical", "depth-scales", "phase-diagram", "simulate"):
        out = run("signalprop", sub, "--help").stdout
        assert "--json" in out and "--out" in out
    assert "--quick" in run("reproduce", "--help").stdout
    assert "tanh" in run("activations").stdout


# ---- isometry (issue 3's interface contract) --------------------------------------------------------

def test_isometry_moments_contract(tmp_path):
    # Gaussian relu at criticality: mean 1, variance 2L [Pe17 Table 1].
    r = run_json("isometry", "moments", "--activation", "relu", "--weights", "gaussian", "--depth", 10,
                 "--sigma-w2", 2, "--sigma-b2", 0, "--out", tmp_path)
    for key in ("mean", "variance", "lambda_max"):
        assert key in r
    assert r["mean"] == pytest.approx(1.0, rel=1e-9)
    assert r["variance"] == pytest.approx(20.0, rel=1e-9)
    # Largest eigenvalue (theory notes 3.5): m* = (-(L-1) + sqrt((L-1)^2 + 4 L p)) / (2L), p = 1/2.
    L, p = 10, 0.5
    m = (-(L - 1) + math.sqrt((L - 1) ** 2 + 4 * L * p)) / (2 * L)
    assert r["lambda_max"] == pytest.approx((1 + m) / m * ((m + p) / p) ** L, rel=1e-6)
    assert json.loads((tmp_path / "meta.json").read_text())["results"]["variance"] == r["variance"]


def test_isometry_density_writes_the_grid(tmp_path):
    r = run_json("isometry", "density", "--activation", "tanh", "--weights", "orthogonal", "--depth", 16,
                 "--sigma-w2", 1.05, "--sigma-b2", 2.01e-5, "--points", 200, "--out", tmp_path)
    lam = np.load(tmp_path / "lambda.npy")
    rho = np.load(tmp_path / "density.npy")
    assert lam.shape == rho.shape == (200,)
    assert np.all(np.isfinite(rho)) and np.all(rho >= 0)
    assert r["failed_points"] == 0
    table = np.genfromtxt(tmp_path / "density.csv", delimiter=",", names=True)
    assert np.allclose(table["density"], rho)


def test_isometry_simulate_against_theory(tmp_path):
    r = run_json("isometry", "simulate", "--activation", "linear", "--weights", "orthogonal", "--sigma-w2", 1,
                 "--sigma-b2", 0, "--width", 64, "--depth", 50, "--seeds", 2, "--out", tmp_path)
    lam = np.load(tmp_path / "lambda.npy")
    assert lam.shape == (2, 64)
    assert np.allclose(lam, 1.0, atol=1e-9)  # orthogonal linear networks are exact isometries
    assert r["theory_variance"] == pytest.approx(0.0, abs=1e-12)
    assert r["method"] in ("direct", "qr")


def test_isometry_design_contract(tmp_path):
    r = run_json("isometry", "design", "--activation", "tanh", "--depth", 200, "--weights", "orthogonal",
                 "--out", tmp_path)
    for key in ("sigma_w2", "sigma_b2", "q_star", "variance"):
        assert isinstance(r[key], float)
    assert r["variance"] <= 0.25 + 1e-9
    assert r["target_met"] is True
    relu = run_json("isometry", "design", "--activation", "relu", "--depth", 200, "--weights", "orthogonal",
                    "--out", tmp_path / "relu")
    assert relu["target_met"] is False
    assert "relu cannot reach" in relu["verdict"]


@pytest.mark.parametrize("args, field", [
    (("isometry", "moments", "--depth", 0), "depth"),
    (("isometry", "moments", "--weights", "haar"), "weights"),
    (("isometry", "density", "--grid", "cubic"), "grid"),
    (("isometry", "simulate", "--width", 0), "width"),
    (("isometry", "simulate", "--method", "svd"), "method"),
    (("isometry", "design", "--max-variance", -1), "max_variance"),
])
def test_isometry_bad_input_exits_2(tmp_path, args, field):
    out = tmp_path / "out"
    proc = run(*args, "--out", out, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and field in proc.stderr
    assert not out.exists()


# ---- expressivity (issue 4's interface contract) ----------------------------------------------------

def test_expressivity_manifold_contract(tmp_path):
    # sigma_w = 4, sigma_b = 0.3 (std): chi_1 = 2.367261, length grows by sqrt(chi_1) = 1.5386 per layer.
    r = run_json("expressivity", "manifold", "--activation", "tanh", "--sigma-w2", 16, "--sigma-b2", 0.09,
                 "--depth", 10, "--out", tmp_path)
    assert r["length_growth"] == pytest.approx(math.sqrt(2.367261), abs=1e-6)
    assert r["curvature2_star"] > 0
    ordered = run_json("expressivity", "manifold", "--activation", "tanh", "--sigma-w2", 0.8, "--sigma-b2", 0.05,
                       "--depth", 5, "--out", tmp_path / "ordered")
    assert ordered["curvature2_star"] is None
    theory = np.genfromtxt(tmp_path / "theory.csv", delimiter=",", names=True)
    assert theory["layer"].shape == (10,)


def test_expressivity_manifold_simulate_writes_measurements(tmp_path):
    r = run_json("expressivity", "manifold", "--activation", "tanh", "--sigma-w2", 4, "--sigma-b2", 0.09,
                 "--depth", 4, "--simulate", "--width", 300, "--seeds", 3, "--points", 128, "--out", tmp_path)
    assert r["simulated"] is True
    for measure in ("length2", "curvature2", "grassmannian"):
        assert r["agreement"][measure]["points"] > 0
    sim = np.genfromtxt(tmp_path / "simulation.csv", delimiter=",", names=True)
    assert sim["length2_mean"].shape == (4,)
    assert np.load(tmp_path / "curvature2_exact_mean.npy").shape == (4,)


def test_expressivity_regions_and_trajectory(tmp_path):
    r = run_json("expressivity", "regions", "--activation", "relu", "--sigma-w2", 2, "--sigma-b2", 0, "--q0", 1,
                 "--depth", 3, "--width", 200, "--seeds", 2, "--points", 1024, "--out", tmp_path / "regions")
    assert r["transitions_theory_final"] == pytest.approx(2.0, rel=1e-9)
    assert r["regions_final"] >= 1
    curve = tmp_path / "curve.npy"
    theta = np.linspace(0, 2 * np.pi, 100, endpoint=False)
    np.save(curve, np.stack([np.cos(theta), np.sin(theta)], axis=1))
    t = run_json("expressivity", "trajectory", "--input", curve, "--depth", 3, "--width", 100, "--seeds", 2,
                 "--out", tmp_path / "traj")
    assert t["points"] == 100 and t["input_dim"] == 2


@pytest.mark.parametrize("args, field", [
    (("expressivity", "manifold", "--depth", 0), "depth"),
    (("expressivity", "manifold", "--q0", 0), "q0"),
    (("expressivity", "manifold", "--simulate", "--width", 0), "width"),
    (("expressivity", "regions", "--activation", "tanh"), "activation"),
])
def test_expressivity_bad_input_exits_2(tmp_path, args, field):
    out = tmp_path / "out"
    proc = run(*args, "--out", out, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and field in proc.stderr
    assert not out.exists()
