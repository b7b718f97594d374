// W5 driver: the workload of ../shared/peers/w5_synapse.py, computed by neurotheory. N = 100,000
// eight-state synapses (cascade n = 4, x = 1/2, and the serial chain with q = 1), T = 10,000
// memories, one per step, from the stationary distribution; the signal of memory 1,
// S(t) = (1/N) sum_i w_i(t) xi_i, recorded at every step: one synapses::simulate call (fast kernel),
// timed in-process as the twin times its numpy section. One line per model:
//   RESULT {"workload": "W5_cascade", "impl": "neurotheory", "time_s": ..., "S": {...}, "sum_S": ..., ...}
// with the twin's checksums (S at t = 1, 10, 100, 1000, 10000 and sum_t S(t)) and, for bench/compare's
// statistical check, their exact means ("S_exact", "sum_S_exact") and the standard deviations of one
// run ("S_sd", "sum_S_sd"; derived in bench/README.md).
// Usage: w5_synapse [cascade|serial|both] [--threads N] [--repeat R] [--synapses N] [--memories T]
//                   [--seed S] [--kernel auto|fast|portable|general]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "neurotheory/core/parallel.hpp"
#include "neurotheory/synapses/model.hpp"
#include "neurotheory/synapses/simulate.hpp"

#include "sched_stats.hpp"

namespace {

using nt::bench::thread_sched_times;
using nt::bench::wait_fraction;

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "w5_synapse: %s\nusage: w5_synapse [cascade|serial|both] [--threads N] [--repeat R] [--synapses N] "
               "[--memories T] [--seed S] [--kernel K]\n",
               msg);
  std::exit(2);
}

// Standard deviation of one run's sum_t S(t): sum_t w(t) xi has second moment sum_{t,t'} c(|t - t'|)
// with c(d) = sum_s p_s w_s (M_F^d w)_s (xi^2 = 1 and w(1), w(2), ... is the stationary chain), minus
// the squared mean; divided by N.
double sum_sd(const nt::synapses::markov_model& m, const Eigen::VectorXd& p, const Eigen::VectorXd& mean, double n,
              long long steps) {
  const Eigen::MatrixXd mf = m.f_pot * m.potentiation + (1.0 - m.f_pot) * m.depression;
  Eigen::VectorXd v = m.weights;
  const Eigen::VectorXd pw = p.cwiseProduct(m.weights);
  double second = 0;
  for (long long d = 0; d < steps; ++d) {
    const double c = pw.dot(v);
    second += (d == 0 ? 1.0 : 2.0) * static_cast<double>(steps - d) * c;
    v = mf * v;
  }
  return std::sqrt(std::max(second - mean.sum() * mean.sum(), 0.0) / n);
}

// CPU seconds (user + system) of the whole process so far.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0;
  int repeat = 1;
  std::vector<std::string> models = {"cascade", "serial"};
  nt::synapses::simulation_options o;
  o.synapses = 100000;
  o.repetitions = 1;
  o.horizon = 10000;
  o.seed = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "cascade" || a == "serial") {
      models = {std::string(a)};
      continue;
    }
    if (a == "both") continue;
    if (i + 1 >= argc) usage("missing value");
    const char* v = argv[++i];
    if (a == "--threads") {
      threads = std::atoi(v);
    } else if (a == "--repeat") {
      repeat = std::max(1, std::atoi(v));
    } else if (a == "--synapses") {
      o.synapses = std::atoll(v);
    } else if (a == "--memories") {
      o.horizon = std::atof(v);
    } else if (a == "--seed") {
      o.seed = std::strtoull(v, nullptr, 10);
    } else if (a == "--kernel") {
      o.kernel = v;
    } else {
      usage("unknown option");
    }
  }
  try {
    if (threads > 0) nt::set_thread_count(threads);
    for (const auto& name : models) {
      // The twin's tables: cascade n = 4 levels per weight, x = 1/2; serial moves with probability 1.
      const auto model = name == "cascade" ? nt::synapses::cascade(8, 0.5) : nt::synapses::serial(8, 1.0);
      std::vector<double> times;
      double wait_frac = 0, cpu_s = 0;
      nt::synapses::simulation_result r;
      for (int k = 0; k < repeat; ++k) {
        const auto w0 = thread_sched_times();
        const double c0 = cpu_seconds();
        const auto t0 = std::chrono::steady_clock::now();
        r = nt::synapses::simulate(model, o);
        const auto t1 = std::chrono::steady_clock::now();
        times.push_back(std::chrono::duration<double>(t1 - t0).count());
        if (k == 0) {
          cpu_s = cpu_seconds() - c0;
          wait_frac = wait_fraction(w0, thread_sched_times(), times.back());
        }
      }
      const double cold = times.front();
      std::sort(times.begin(), times.end());
      const double warm = times[times.size() / 2];
      const double n = static_cast<double>(o.synapses);
      const auto steps = static_cast<long long>(o.horizon);
      std::string s = "{", s_exact = "{", s_sd = "{";
      for (long long t : {1LL, 10LL, 100LL, 1000LL, 10000LL}) {
        if (t > steps) continue;
        const auto k = static_cast<Eigen::Index>(t - 1);
        const char* sep = s.size() > 1 ? ", " : "";
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s\"%lld\": %.5f", sep, t, r.signal_mean[k]);
        s += buf;
        std::snprintf(buf, sizeof buf, "%s\"%lld\": %.6f", sep, t, r.signal_theory[k]);
        s_exact += buf;
        // One run: S(t) is a mean of N independent terms w xi of variance p.w^2 - mu^2 (= 1 - mu^2).
        const double var = r.stationary.dot(model.weights.cwiseAbs2()) - r.signal_theory[k] * r.signal_theory[k];
        std::snprintf(buf, sizeof buf, "%s\"%lld\": %.6f", sep, t, std::sqrt(var / n));
        s_sd += buf;
      }
      s += "}";
      s_exact += "}";
      s_sd += "}";
      std::string occ = "[";
      for (Eigen::Index i = 0; i < r.occupancy_end.size(); ++i)
        occ += (i ? ", " : "") + std::to_string(std::round(r.occupancy_end[i] * 1e4) / 1e4);
      occ += "]";
      std::printf(
          "RESULT {\"workload\": \"W5_%s\", \"impl\": \"neurotheory\", \"time_s\": %.6f, \"warm_median_s\": %.6f, "
          "\"ns_per_synapse_update\": %.4f, \"cpu_s\": %.4f, \"wait_frac\": %.3f, \"repeat\": %d, \"threads\": %d, "
          "\"kernel\": \"%s\", "
          "\"random_bits\": %d, \"synapses\": %lld, \"memories\": %lld, \"S\": %s, \"sum_S\": %.4f, "
          "\"S_exact\": %s, \"sum_S_exact\": %.4f, \"S_sd\": %s, \"sum_S_sd\": %.4f, \"max_z\": %.3f, "
          "\"occupancy_end\": %s}\n",
          name.c_str(), cold, warm, 1e9 * cold / (n * static_cast<double>(steps)), cpu_s, wait_frac, repeat,
          nt::thread_count(), r.kernel.c_str(), r.random_bits, o.synapses, steps, s.c_str(), r.signal_mean.sum(),
          s_exact.c_str(), r.signal_theory.sum(), s_sd.c_str(), sum_sd(model, r.stationary, r.signal_theory, n, steps),
          r.max_z, occ.c_str());
      std::fflush(stdout);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "w5_synapse: %s\n", e.what());
    return 1;
  }
}
