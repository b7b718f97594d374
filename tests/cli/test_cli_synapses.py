"""`neurotheory synapses ...` (issue 6's interface contract): --json keys and values against closed forms
(theory notes docs/theory/synapses.md sec. 1.3 and 2), result files under --out, model files, and bad input
exiting 2 with one line and no files."""
import json
import math

import numpy as np
import pytest

from cli_helpers import CLI, run, run_json  # noqa: F401


def test_curve_binary_contract(tmp_path):
    # Binary switch: SNR(t) = sqrt(N) q exp(-q t), area sqrt(N), lifetime ln(q sqrt N)/q (notes 1.3, 2).
    r = run_json("synapses", "curve", "--model", "binary", "--q", 0.1, "--N", 1e4, "--time", 10, "--out", tmp_path)
    assert r["snr"] == pytest.approx(3.678794, abs=1e-6)
    assert r["snr0"] == pytest.approx(10.0, rel=1e-12)
    assert r["area"] == pytest.approx(100.0, rel=1e-9)
    assert r["lifetime"] == pytest.approx(math.log(10.0) / 0.1, rel=1e-9)
    assert r["parameters"]["model"] == "binary" and r["parameters"]["N"] == 1e4
    t = np.load(tmp_path / "time.npy")
    np.testing.assert_allclose(np.load(tmp_path / "snr.npy"), 100 * 0.1 * np.exp(-0.1 * t), rtol=1e-9, atol=1e-300)
    table = np.genfromtxt(tmp_path / "curve.csv", delimiter=",", names=True)
    assert len(table) == r["points"] == 61
    # Running average of one exponential: sqrt(N) q / (1 + q tau) (notes 1.1, Laplace form).
    np.testing.assert_allclose(table["running_average"], 100 * 0.1 / (1 + 0.1 * t), rtol=1e-9)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["results"]["snr"] == r["snr"]
    assert json.loads((tmp_path / "model.json").read_text())["weights"] == [-1.0, 1.0]


def test_curve_serial_and_cascade_values(tmp_path):
    M, q, N = 12, 0.3, 400.0
    s = run_json("synapses", "curve", "--model", "serial", "--states", M, "--q", q, "--N", N, "--out", tmp_path / "s")
    # Serial chain: SNR(0)/sqrt(N) = 2q/M, area/sqrt(N) = M/2 whatever q (notes 1.3).
    assert s["snr0"] == pytest.approx(math.sqrt(N) * 2 * q / M, rel=1e-9)
    assert s["area"] == pytest.approx(math.sqrt(N) * M / 2, rel=1e-7)
    # The frontier bounds hold (they assume +-1 weights, which the serial chain has).
    assert s["snr"] <= s["snr_max"] and s["lifetime"] <= s["lifetime_bound"]
    c = run_json("synapses", "curve", "--model", "cascade", "--states", 20, "--x", 0.5, "--N", 1e4, "--time", 100,
                 "--out", tmp_path / "c")
    assert c["snr0"] == pytest.approx(100 * 2 / 10, rel=1e-9)  # 2/n at x = 1/2 (notes 1.3)
    modes = np.genfromtxt(tmp_path / "c" / "modes.csv", delimiter=",", names=True)
    assert modes["tau"].max() == pytest.approx(c["slowest_tau"])
    assert np.sum(modes["weight"]) * 100 == pytest.approx(c["snr0"], rel=1e-6)  # sum_a I_a = SNR(0)/sqrt(N)
    sticky = run_json("synapses", "curve", "--model", "sticky", "--states", 12, "--epsilon", 0.001, "--N", 100,
                      "--out", tmp_path / "k")
    assert sticky["area"] <= 10 * 11 + 1e-9 and sticky["area"] > 0.9 * 10 * 11  # -> sqrt(N)(M-1) as eps -> 0
    multi = run_json("synapses", "curve", "--model", "multistate", "--states", 5, "--q", 0.5, "--N", 100,
                     "--out", tmp_path / "m")
    assert multi["binary_weights"] is False and "snr_max" not in multi


def _binary_matrices(q):
    return ([[1 - q, q], [0.0, 1.0]], [[1.0, 0.0], [q, 1 - q]], [-1.0, 1.0])


def test_curve_from_toml_and_json_files(tmp_path):
    pot, dep, w = _binary_matrices(0.1)
    toml = tmp_path / "b.toml"
    toml.write_text(f'name = "my switch"\nweights = {w}\npotentiation = {pot}\ndepression = {dep}\n')
    js = tmp_path / "b.json"
    js.write_text(json.dumps({"weights": w, "potentiation": pot, "depression": dep, "f_pot": 0.5}))
    ref = run_json("synapses", "curve", "--model", "binary", "--q", 0.1, "--N", 1e4, "--out", tmp_path / "ref")
    for path in (toml, js):
        # --file alone selects the file model; --model file --file too.
        for extra in ([], ["--model", "file"]):
            r = run_json("synapses", "curve", "--file", path, *extra, "--N", 1e4, "--out", tmp_path / path.suffix[1:])
            for key in ("snr", "snr0", "area", "lifetime"):
                assert r[key] == pytest.approx(ref[key], rel=1e-9), key
    assert run_json("synapses", "curve", "--file", toml, "--out", tmp_path / "t2")["model"] == "my switch"


def test_bad_model_files(tmp_path):
    bad = tmp_path / "bad.json"
    pot, dep, w = _binary_matrices(0.1)
    pot[0][1] = 0.2  # row 0 sums to 1.1
    bad.write_text(json.dumps({"weights": w, "potentiation": pot, "depression": dep}))
    out = tmp_path / "out"
    proc = run("synapses", "curve", "--file", bad, "--out", out, check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "potentiation" in proc.stderr
    assert not out.exists()
    # A file together with a different --model is a contradiction, not silently ignored.
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"weights": w, "potentiation": _binary_matrices(0.1)[0], "depression": dep}))
    proc = run("synapses", "curve", "--model", "serial", "--file", good, "--out", out, check=False)
    assert proc.returncode == 2 and "file" in proc.stderr
    proc = run("synapses", "curve", "--file", tmp_path / "missing.toml", "--out", out, check=False)
    assert proc.returncode != 0 and proc.stderr.count("\n") == 1 and "missing.toml" in proc.stderr
    assert not out.exists()


def test_frontier_contract(tmp_path):
    # Notes sec. 2: N = 100, M = 12.
    for t, value in ((1, 9.131007), (20, 2.023337), (1000, 0.0404667)):
        r = run_json("synapses", "frontier", "--states", 12, "--N", 100, "--time", t, "--out", tmp_path / str(t))
        assert r["snr_max"] == pytest.approx(value, rel=2e-6)
    assert r["lifetime_bound"] == pytest.approx(10 * 11 / math.e, rel=1e-12)
    assert r["area_bound"] == pytest.approx(110.0) and r["initial_snr_bound"] == pytest.approx(10.0)
    env = np.genfromtxt(tmp_path / "1000" / "frontier.csv", delimiter=",", names=True)
    t = env["time"]
    np.testing.assert_allclose(env["snr_max"], np.where(t <= 11, 10 * np.exp(-t / 11), 10 * 11 / (math.e * t)),
                               rtol=1e-12)


def test_design_contract(tmp_path):
    r = run_json("synapses", "design", "--model", "serial", "--states", 12, "--N", 1e4, "--out", tmp_path / "d")
    assert r["parameter"] == "q" and 0 < r["q"] <= 1 and r["lifetime"] > 0
    assert r["lifetime"] <= r["lifetime_bound"]
    # Independent check through `curve`: the lifetime at the designed q, and lower lifetimes 5% either side.
    at = run_json("synapses", "curve", "--model", "serial", "--states", 12, "--q", r["q"], "--N", 1e4,
                  "--out", tmp_path / "c")
    assert at["lifetime"] == pytest.approx(r["lifetime"], rel=1e-9)
    for f in (0.95, 1.05):
        if r["q"] * f <= 1:
            other = run_json("synapses", "curve", "--model", "serial", "--states", 12, "--q", r["q"] * f, "--N", 1e4,
                             "--out", tmp_path / f"c{f}")
            assert other["lifetime"] < r["lifetime"]
    # Binary switch: q* = e/sqrt(N), lifetime sqrt(N)/e (notes 1.3).
    b = run_json("synapses", "design", "--model", "binary", "--N", 1e4, "--out", tmp_path / "b")
    assert b["q"] == pytest.approx(math.e / 100, rel=1e-5)
    assert b["lifetime"] == pytest.approx(100 / math.e, rel=1e-9)


def test_simulate_writes_curves_next_to_theory(tmp_path):
    r = run_json("synapses", "simulate", "--model", "cascade", "--states", 8, "--synapses", 20000, "--repetitions", 2,
                 "--horizon", 200, "--times", "1,2,5,10,20,50,100,200", "--out", tmp_path)
    sim = np.genfromtxt(tmp_path / "simulation.csv", delimiter=",", names=True)
    assert len(sim) == r["points"] == 8
    np.testing.assert_array_equal(np.load(tmp_path / "time.npy"), sim["time"])
    # Within 5 standard errors at every time (8 points: a false alarm has probability ~5e-6).
    assert np.all(np.abs(sim["signal_mean"] - sim["signal_theory"]) <= 5 * sim["signal_sem"])
    assert r["max_z"] < 5
    assert np.load(tmp_path / "occupancy_end.npy").sum() == pytest.approx(1.0)


def test_benna_fusi_writes_curves(tmp_path):
    r = run_json("synapses", "benna-fusi", "--variables", 14, "--N", 1e6, "--points", 41, "--out", tmp_path)
    curve = np.genfromtxt(tmp_path / "curve.csv", delimiter=",", names=True)
    assert len(curve) == 41
    # SNR = sqrt(N) G / sqrt(r int G^2) (notes 1.4) and the 1/sqrt(t) regime in the middle.
    np.testing.assert_allclose(curve["snr"], 1e3 * curve["impulse_response"] / math.sqrt(r["variance"]), rtol=1e-9)
    assert r["log_slope_mid"] == pytest.approx(-0.5, abs=0.03)
    assert r["snr0"] == pytest.approx(1e3 / math.sqrt(r["variance"]), rel=1e-9)
    assert 1 <= r["best_variables"] <= 60 and r["best_lifetime"] >= r["lifetime"]
    s = run_json("synapses", "benna-fusi", "--variables", 4, "--simulate", "--sim-synapses", 2000, "--steps", 50,
                 "--burn-in", 50, "--out", tmp_path / "sim")
    assert s["simulated"] is True and s["simulation"]["max_z"] < 5
    assert np.load(tmp_path / "sim" / "signal.npy").shape == (51,)


def test_memory_network(tmp_path):
    r = run_json("synapses", "memory", "--model", "binary", "--q", 0.5, "--inputs", 200, "--outputs", 50,
                 "--patterns", 40, "--max-age", 40, "--out", tmp_path)
    rec = np.genfromtxt(tmp_path / "recall.csv", delimiter=",", names=True)
    assert len(rec) == 40
    assert rec["recall_theory"][0] > rec["recall_theory"][-1]
    assert abs(r["retrieved"] - r["retrieved_theory"]) <= 2
    assert r["exact_theory"] is True


@pytest.mark.parametrize("args, field", [
    (("synapses", "curve", "--model", "bistable"), "model"),
    (("synapses", "curve", "--model", "serial", "--states", 3), "states"),
    (("synapses", "curve", "--model", "binary", "--q", 0), "q"),
    (("synapses", "curve", "--model", "binary", "--q", "abc"), "q"),
    (("synapses", "curve", "--model", "cascade", "--x", 0.7), "x"),
    (("synapses", "curve", "--N", 0), "N"),
    (("synapses", "curve", "--time", "nan"), "time"),
    (("synapses", "frontier", "--states", 1), "states"),
    (("synapses", "design", "--target", "area"), "target"),
    (("synapses", "simulate", "--time", "weekly"), "time"),
    (("synapses", "simulate", "--synapses", 0), "synapses"),
    (("synapses", "benna-fusi", "--variables", 0), "variables"),
    (("synapses", "memory", "--criterion", 0.4), "criterion"),
])
def test_synapses_bad_input_exits_2(tmp_path, args, field):
    out = tmp_path / "out"
    proc = run(*args, "--out", out, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and field in proc.stderr
    assert proc.stdout == ""
    assert not out.exists()


def test_synapses_help():
    for sub in ("curve", "frontier", "design", "optimise", "scaling", "simulate", "benna-fusi", "memory"):
        out = run("synapses", sub, "--help").stdout
        assert "--json" in out and "--out" in out
    assert "--file" in run("synapses", "curve", "--help").stdout
