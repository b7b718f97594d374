// W2 driver: the workload of ../shared/peers/w2_jacobian.py, computed by neurotheory.
// Input-output Jacobian of a width-512 tanh network, sigma_w = 1.05, sigma_b = 0.025 (standard
// deviations, as the twin: sigma_w2 = 1.1025, sigma_b2 = 0.000625), depth 64 and 256, orthogonal
// (Haar) and Gaussian weights, one network each, all 512 singular values: the plain product and
// an SVD (method direct, the twin's algorithm). Each case is timed in-process around the one
// simulate_jacobian call, as the twin times its numpy section. Prints one line per case:
//   RESULT {"workload": "W2_L64_orth", "impl": "neurotheory", "time_s": ..., "t_sample": ...,
//           "t_jac": ..., "t_svd": ..., "jac_gflops": ..., "mean_s2": ..., "max_s": ...,
//           "min_s": ..., "median_s": ..., "qstar": ..., ...}
// The twin's input is x_0 ~ N(0, q* I); ours is x^0 = tanh(h^0), h^0 ~ N(0, q0 I). Both weight
// ensembles are rotation invariant, so the network sees the input only through |x_0|^2 / N: q0 is
// chosen so that E tanh(h^0)^2 = q*, the same as the twin's. The random numbers differ (Philox
// streams here, numpy's PCG64 there), so checksums agree only statistically (bench/README.md).
// Usage: w2_jacobian [--threads N] [--seed S] [--method direct|qr|auto] [--depths 64,256]
//                    [--weights orth,gauss]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "neurotheory/core/activation.hpp"
#include "neurotheory/core/gaussian.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/isometry/jacobian.hpp"
#include "neurotheory/signalprop/meanfield.hpp"

#include "sched_stats.hpp"

namespace {

using nt::bench::thread_sched_times;
using nt::bench::wait_fraction;

constexpr int kWidth = 512;
constexpr double kSigmaW = 1.05, kSigmaB = 0.025;

// q0 with E tanh(sqrt(q0) z)^2 = target (bisection; E tanh^2 increases with q).
double input_variance_for(double target) {
  const auto& act = nt::activation_by_name("tanh");
  const nt::quadrature_options quad{100, true};
  double lo = target, hi = 4.0 * target + 1.0;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (nt::activation_moments(act, mid, quad).phi2 < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "w2_jacobian: %s\nusage: w2_jacobian [--threads N] [--seed S] [--method direct|qr|auto] "
               "[--depths 64,256] [--weights orth,gauss]\n",
               msg);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0;
  long long seed_offset = -1;
  std::string method = "direct";
  std::vector<std::string> depths = {"64", "256"}, inits = {"orth", "gauss"};
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) usage("missing value");
    if (a == "--threads") {
      threads = std::atoi(argv[++i]);
    } else if (a == "--seed") {
      seed_offset = std::atoll(argv[++i]);
    } else if (a == "--method") {
      method = argv[++i];
    } else if (a == "--depths") {
      depths = split(argv[++i]);
    } else if (a == "--weights") {
      inits = split(argv[++i]);
    } else {
      usage("unknown option");
    }
  }
  try {
    if (threads > 0) nt::set_thread_count(threads);
    nt::isometry::jacobian_options o;
    o.network = {"tanh", kSigmaW * kSigmaW, kSigmaB * kSigmaB, 0};
    o.width = kWidth;
    o.seeds = 1;
    o.method = method;
    const double q_star = nt::signalprop::fixed_point(o.network).q_star;
    o.q_input = input_variance_for(q_star);
    for (const auto& ds : depths) {
      for (const auto& init : inits) {
        if (init != "orth" && init != "gauss") usage("--weights takes orth and/or gauss");
        o.depth = std::atoi(ds.c_str());
        o.weights = init == "orth" ? "orthogonal" : "gaussian";
        // The twin's seeds: 1000 + L + (0 orth, 1 gauss); --seed S adds S to them.
        o.seed = static_cast<std::uint64_t>(1000 + o.depth + (init == "orth" ? 0 : 1) +
                                            (seed_offset >= 0 ? seed_offset : 0));
        const auto w0 = thread_sched_times();
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = nt::isometry::simulate_jacobian(o);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double wait = wait_fraction(w0, thread_sched_times(), wall);
        // Checksums as the twin: mean s^2, max, min and median (numpy's: mean of the middle two) of s.
        std::vector<double> s(static_cast<std::size_t>(kWidth));
        for (int i = 0; i < kWidth; ++i) s[static_cast<std::size_t>(i)] = std::exp(r.log_singular_values(0, i));
        std::sort(s.begin(), s.end());
        double mean_s2 = 0;
        for (double v : s) mean_s2 += v * v;
        mean_s2 /= kWidth;
        const double median = 0.5 * (s[kWidth / 2 - 1] + s[kWidth / 2]);
        std::printf(
            "RESULT {\"workload\": \"W2_L%d_%s\", \"impl\": \"neurotheory\", \"method\": \"%s\", \"time_s\": %.6f, "
            "\"t_sample\": %.6f, \"t_jac\": %.6f, \"t_svd\": %.6f, \"jac_gflops\": %.2f, \"wait_frac\": %.3f, "
            "\"threads\": %d, \"seed\": %llu, \"mean_s2\": %.6g, \"max_s\": %.6g, \"min_s\": %.6g, \"median_s\": %.6g, "
            "\"qstar\": %.6g, \"q_input\": %.6g}\n",
            o.depth, init.c_str(), r.method.c_str(), wall, r.seconds_sample, r.seconds_product, r.seconds_svd,
            r.product_gflops, wait, nt::thread_count(), static_cast<unsigned long long>(o.seed), mean_s2, s.back(),
            s.front(), median, r.q_star, o.q_input);
        std::fflush(stdout);
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "w2_jacobian: %s\n", e.what());
    return 1;
  }
}
