// W7 driver: the workload of bench/twins/w7_manifold.py, computed by neurotheory. A great circle
// of K = 4096 points at q* through one width-1000, depth-50 tanh network at (sigma_w2, sigma_b2) =
// (2.0, 0.05), Gaussian weights, finite differences only (exact_derivatives = false): one
// simulate_manifold call, timed in-process as the twin times its numpy section. It measures more
// than the twin per layer (q, gbar, Grassmannian length, half-resolution length, sign changes);
// the checksums are the twin's: chord-sum length and mean N kappa^2 at the last layer. Prints
//   RESULT {"workload": "W7", "impl": "neurotheory", "time_s": ..., "gflops": ..., ...}
// Usage: w7_manifold [--threads N] [--repeat R] [--points K] [--width N] [--depth L] [--seed S]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "neurotheory/core/parallel.hpp"
#include "neurotheory/expressivity/manifold.hpp"

#include "sched_stats.hpp"

namespace {

using nt::bench::thread_sched_times;
using nt::bench::wait_fraction;

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "w7_manifold: %s\nusage: w7_manifold [--threads N] [--repeat R] [--points K] [--width N] [--depth L] "
               "[--seed S]\n",
               msg);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0;
  int repeat = 1;
  nt::expressivity::manifold_simulation_options o;
  o.circle.network = {"tanh", 2.0, 0.05, 0};
  o.circle.depth = 50;
  o.circle.q0 = -1.0;  // q*
  o.weights = "gaussian";
  o.width = 1000;
  o.points = 4096;
  o.seeds = 1;
  o.seed = 1;
  o.exact_derivatives = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) usage("missing value");
    const char* v = argv[++i];
    if (a == "--threads") {
      threads = std::atoi(v);
    } else if (a == "--repeat") {
      repeat = std::max(1, std::atoi(v));
    } else if (a == "--points") {
      o.points = std::atoi(v);
    } else if (a == "--width") {
      o.width = std::atoi(v);
    } else if (a == "--depth") {
      o.circle.depth = std::atoi(v);
    } else if (a == "--seed") {
      o.seed = std::strtoull(v, nullptr, 10);
    } else {
      usage("unknown option");
    }
  }
  try {
    if (threads > 0) nt::set_thread_count(threads);
    std::vector<double> times;
    double wait_frac = 0;
    nt::expressivity::manifold_simulation_result r;
    for (int k = 0; k < repeat; ++k) {
      const auto w0 = thread_sched_times();
      const auto t0 = std::chrono::steady_clock::now();
      r = nt::expressivity::simulate_manifold(o);
      const auto t1 = std::chrono::steady_clock::now();
      times.push_back(std::chrono::duration<double>(t1 - t0).count());
      if (k == 0) wait_frac = wait_fraction(w0, thread_sched_times(), times.back());
    }
    const double cold = times.front();
    std::sort(times.begin(), times.end());
    const double warm = times[times.size() / 2];
    const double n = o.width;
    const double gflop = 2.0 * n * n * o.points * (o.circle.depth - 1) * 1e-9;
    const auto last = static_cast<Eigen::Index>(o.circle.depth - 1);
    std::printf(
        "RESULT {\"workload\": \"W7\", \"impl\": \"neurotheory\", \"time_s\": %.6f, \"warm_median_s\": %.6f, "
        "\"wait_frac\": %.3f, \"repeat\": %d, \"threads\": %d, \"gemm_gflop\": %.3f, \"gflops\": %.3f, "
        "\"points\": %d, \"width\": %d, \"depth\": %d, \"q_star\": %.10f, \"length_last\": %.6f, "
        "\"curvature2_last\": %.6f, \"length_first\": %.6f, \"resolved_last\": %d}\n",
        cold, warm, wait_frac, repeat, nt::thread_count(), gflop, gflop / cold, o.points, o.width, o.circle.depth,
        r.q_star, r.length_mean[last], r.curvature2_mean[last], r.length_mean[0], static_cast<int>(r.resolved[last]));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "w7_manifold: %s\n", e.what());
    return 1;
  }
}
