// W1 driver: the workload of ../shared/peers/w1_meanfield.py, computed by neurotheory.
// A 200 x 200 tanh phase diagram, sigma_w in linspace(0.5, 4, 200) and sigma_b in linspace(0, 1, 200)
// (even in the standard deviations, as the twin), 100-node Gauss-Hermite quadrature, q^0 = 1, q* and
// chi_1 only (no correlation map). Timed in-process around the one call, as the twin times its
// numpy section (process start-up and output excluded). Prints one line:
//   RESULT {"workload": "W1", "impl": "neurotheory", "time_s": ..., "sum_q": ..., ...}
// Usage: w1_phase_diagram [--threads N] [--tolerance T] [--repeat R]
//   --repeat R times R calls in the same process and reports the first (cold, like the twin) and
//   the median of all (warm).
#include <algorithm>
#include <chrono>
#include <cmath>
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
#include "neurotheory/signalprop/phase_diagram.hpp"

#include "sched_stats.hpp"

namespace {

using nt::bench::thread_sched_times;
using nt::bench::wait_fraction;

struct w1_checksums {
  double sum_q = 0;
  double sum_chi1 = 0;
  long long n_chaotic = 0;
  long long unconverged = 0;
};

nt::signalprop::phase_diagram_options w1_options(double tolerance) {
  nt::signalprop::phase_diagram_options o;
  o.activation = "tanh";
  o.spacing = "std";  // sigma_w = sqrt(0.25) .. sqrt(16) = 0.5 .. 4, sigma_b = 0 .. 1
  o.sigma_w2_min = 0.25;
  o.sigma_w2_max = 16.0;
  o.sigma_w2_points = 200;
  o.sigma_b2_min = 0.0;
  o.sigma_b2_max = 1.0;
  o.sigma_b2_points = 200;
  o.correlation = false;
  o.quadrature_order = 100;
  o.q0 = 1.0;
  o.tolerance = tolerance;
  return o;
}

w1_checksums checksums(const nt::signalprop::phase_diagram_result& r) {
  w1_checksums c;
  for (Eigen::Index i = 0; i < r.q_star.rows(); ++i) {
    for (Eigen::Index j = 0; j < r.q_star.cols(); ++j) {
      // Unconverged points are NaN; the twin keeps its last iterate there (it has none here).
      if (std::isfinite(r.q_star(i, j))) c.sum_q += r.q_star(i, j);
      if (std::isfinite(r.chi1(i, j))) c.sum_chi1 += r.chi1(i, j);
      if (r.chi1(i, j) > 1.0) ++c.n_chaotic;
    }
  }
  c.unconverged = r.failed_points;
  return c;
}

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr, "w1_phase_diagram: %s\nusage: w1_phase_diagram [--threads N] [--tolerance T] [--repeat R]\n",
               msg);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0;
  // Newton's last step is below tolerance * max(q, 1e-2) and the error after it is of the order of
  // that step squared, so 1e-12 leaves q* far more accurate than the twin's |q_{l+1} - q_l| <= 1e-10
  // (whose error is |dq| / (1 - V'(q*)), larger still near the critical line).
  double tolerance = 1e-12;
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) usage("missing value");
    if (a == "--threads") {
      threads = std::atoi(argv[++i]);
    } else if (a == "--tolerance") {
      tolerance = std::atof(argv[++i]);
    } else if (a == "--repeat") {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      usage("unknown option");
    }
  }
  try {
    if (threads > 0) nt::set_thread_count(threads);
    const auto options = w1_options(tolerance);
    std::vector<double> times;
    double wait_frac = 0;
    nt::signalprop::phase_diagram_result r;
    for (int k = 0; k < repeat; ++k) {
      const auto w0 = thread_sched_times();
      const auto t0 = std::chrono::steady_clock::now();
      r = nt::signalprop::phase_diagram(options);
      const auto t1 = std::chrono::steady_clock::now();
      times.push_back(std::chrono::duration<double>(t1 - t0).count());
      if (k == 0) wait_frac = wait_fraction(w0, thread_sched_times(), times.back());
    }
    const double cold = times.front();
    std::sort(times.begin(), times.end());
    const double warm = times[times.size() / 2];
    const auto c = checksums(r);
    std::printf(
        "RESULT {\"workload\": \"W1\", \"impl\": \"neurotheory\", \"time_s\": %.6f, \"warm_median_s\": %.6f, "
        "\"wait_frac\": %.3f, \"repeat\": %d, \"threads\": %d, \"tolerance\": %.3g, \"newton_iterations\": %lld, "
        "\"sum_q\": %.6f, \"sum_chi1\": %.6f, \"n_chaotic\": %lld, \"unconverged\": %lld}\n",
        cold, warm, wait_frac, repeat, nt::thread_count(), tolerance, r.newton_iterations, c.sum_q, c.sum_chi1,
        c.n_chaotic, c.unconverged);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "w1_phase_diagram: %s\n", e.what());
    return 1;
  }
}
