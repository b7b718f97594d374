"""W7 - a great circle through a deep random tanh network (numpy) [Poole et al. 2016, Figs. 3-4].

Input (layer 1): K = 4096 points of the great circle h^1(theta_k) = sqrt(N q*) (u0 cos theta_k +
u1 sin theta_k), theta_k = 2 pi k / K, u0, u1 orthonormal (Gram-Schmidt of two Gaussian vectors),
q* the fixed point of the length map q = sigma_w2 E_z[tanh(sqrt(q) z)^2] + sigma_b2 (100-node
Gauss-Hermite, iterated from q = 1 until |dq| <= 1e-12).
Network: width N = 1000, L = 50 layers, h^l = W^l tanh(h^{l-1}) + b^l for l = 2..L,
W ~ N(0, sigma_w2 / N), b ~ N(0, sigma_b2), (sigma_w2, sigma_b2) = (2.0, 0.05) (chi_1 = 1.048:
mildly chaotic, the curve stays resolved by K points), one network from default_rng(0), float64.
The K points go through as one N x K matrix per layer (W @ H).
Per layer: the chord-sum length sum_k |h_{k+1} - h_k| / sqrt(N) (periodic) and the mean over k of
the normalised squared curvature N kappa_k^2 = N ((v.v)(a.a) - (v.a)^2) / (v.v)^3 from central
differences v = (h_{k+1} - h_{k-1}) / (2 dtheta), a = (h_{k+1} - 2 h_k + h_{k-1}) / dtheta^2.
Work: (L - 1) GEMMs of (N x N)(N x K) = 2 N^2 K (L - 1) = 401.4 GFLOP, plus K N L tanh.
Checksums: length and curvature2 at layer L. Another random generator gives another network, so
they agree with neurotheory's only statistically (tolerance in bench/README.md).
Usage: w7_manifold.py [--points K] [--width N] [--depth L] [--seed S]"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# The peers' helpers (timing, machine-load accounting, RESULT line) when they are beside the repository.
for d in (os.environ.get("NEUROTHEORY_PEERS_DIR"), os.path.join(HERE, "..", "..", "..", "shared", "peers")):
    if d and os.path.isfile(os.path.join(d, "peers_common.py")):
        sys.path.insert(0, os.path.abspath(d))
        break
try:
    import peers_common as pc
except ImportError:  # stand-alone: wall time only
    import json
    import time

    class _Section:
        def __enter__(self):
            self.t0 = time.perf_counter()
            return self

        def __exit__(self, *exc):
            self.wall = time.perf_counter() - self.t0
            return False

        def stats(self):
            return {}

    class pc:  # noqa: N801 - stands in for the module
        Section = _Section

        @staticmethod
        def emit(d):
            print("RESULT " + json.dumps(d, sort_keys=True), flush=True)

SIGMA_W2, SIGMA_B2 = 2.0, 0.05


def fixed_point(sw2, sb2, nodes=100, tol=1e-12):
    x, w = np.polynomial.hermite.hermgauss(nodes)
    z, w = np.sqrt(2.0) * x, w / np.sqrt(np.pi)
    q = 1.0
    for _ in range(10000):
        qn = sw2 * np.sum(w * np.tanh(np.sqrt(q) * z) ** 2) + sb2
        if abs(qn - q) <= tol:
            return qn
        q = qn
    return q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=4096)
    ap.add_argument("--width", type=int, default=1000)
    ap.add_argument("--depth", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    n, k, depth = a.width, a.points, a.depth
    with pc.Section() as total:
        rng = np.random.default_rng(a.seed)
        q_star = fixed_point(SIGMA_W2, SIGMA_B2)
        u = rng.standard_normal((n, 2))
        u0 = u[:, 0] / np.linalg.norm(u[:, 0])
        u1 = u[:, 1] - (u[:, 1] @ u0) * u0
        u1 /= np.linalg.norm(u1)
        theta = 2.0 * np.pi * np.arange(k) / k
        dtheta = 2.0 * np.pi / k
        h = np.sqrt(n * q_star) * (np.outer(u0, np.cos(theta)) + np.outer(u1, np.sin(theta)))
        length = np.empty(depth)
        curvature2 = np.empty(depth)
        for layer in range(depth):
            if layer > 0:
                w = rng.standard_normal((n, n)) * np.sqrt(SIGMA_W2 / n)
                b = rng.standard_normal(n) * np.sqrt(SIGMA_B2)
                h = w @ np.tanh(h) + b[:, None]
            hp = np.roll(h, -1, axis=1)
            hm = np.roll(h, 1, axis=1)
            length[layer] = np.linalg.norm(hp - h, axis=0).sum() / np.sqrt(n)
            v = (hp - hm) / (2.0 * dtheta)
            acc = (hp - 2.0 * h + hm) / dtheta ** 2
            vv = np.einsum("ij,ij->j", v, v)
            aa = np.einsum("ij,ij->j", acc, acc)
            va = np.einsum("ij,ij->j", v, acc)
            curvature2[layer] = np.mean(n * (vv * aa - va ** 2) / vv ** 3)
    gflop = 2.0 * n * n * k * (depth - 1) * 1e-9
    pc.emit({"workload": "W7", "impl": "numpy", "time_s": round(total.wall, 4), "gemm_gflop": round(gflop, 3),
             "gflops": round(gflop / total.wall, 3), "points": k, "width": n, "depth": depth,
             "q_star": round(float(q_star), 10), "length_last": round(float(length[-1]), 6),
             "curvature2_last": round(float(curvature2[-1]), 6), "length_first": round(float(length[0]), 6),
             **total.stats()})


if __name__ == "__main__":
    main()
