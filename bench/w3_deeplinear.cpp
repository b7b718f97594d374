// W3 driver: the workload of ../shared/peers/w3_deeplinear.py, computed by neurotheory. A two-weight-layer
// linear network (8 one-hot items -> 64 hidden -> 1000 features of branching-diffusion data) trained by
// full-batch gradient descent for 20,000 steps, from the twin's own data and initial weights
// (`w3_deeplinear.py dump DIR` writes X.npy, Y.npy, W1_0.npy, W2_0.npy): one deeplinear::simulate call,
// timed in-process as the twin times its training loop (this side also includes the target's SVD and the
// last-layer reduction's QR, ~1 ms). The twin's mean loss 1/(2P) sum_mu with lr 0.01 is the sum-convention
// run with eta = lr / P; its losses are reported back in the twin's convention (divided by P).
// Checksums as the twin: losses at steps 0, 2000, 5000, 10000, 20000 (here with all digits), singular
// values of W2 W1 and of Sigma_yx = Y X^T / P. Prints
//   RESULT {"workload": "W3", "impl": "neurotheory", "time_s": ..., "loss": {...}, ...}
// Usage: w3_deeplinear --data DIR [--repeat R] [--threads N] [--direct]
//   --direct: no last-layer reduction (the twin's 1000-row products, flop for flop).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/SVD>

#include "neurotheory/core/io.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/deeplinear/simulate.hpp"

#include "sched_stats.hpp"

namespace {

using nt::bench::thread_sched_times;
using nt::bench::wait_fraction;

constexpr long steps = 20000;
constexpr double lr = 0.01;  // the twin's step on its mean loss

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "w3_deeplinear: %s\nusage: w3_deeplinear --data DIR [--repeat R] [--threads N] [--direct]\n"
               "  DIR from `w3_deeplinear.py dump DIR` (../shared/peers)\n",
               msg);
  std::exit(2);
}

std::string sv_list(const Eigen::VectorXd& s, Eigen::Index count) {
  std::string out = "[";
  char buf[64];
  for (Eigen::Index i = 0; i < std::min(count, s.size()); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.10g", i ? ", " : "", s[i]);
    out += buf;
  }
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0;
  int repeat = 1;
  bool direct = false;
  std::filesystem::path dir;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--direct") {
      direct = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value");
    const char* v = argv[++i];
    if (a == "--threads") {
      threads = std::atoi(v);
    } else if (a == "--repeat") {
      repeat = std::max(1, std::atoi(v));
    } else if (a == "--data") {
      dir = v;
    } else {
      usage("unknown option");
    }
  }
  if (dir.empty()) usage("--data DIR is required");
  try {
    if (threads > 0) nt::set_thread_count(threads);
    nt::deeplinear::dataset data;
    data.inputs = nt::io::read_npy(dir / "X.npy").matrix();
    data.targets = nt::io::read_npy(dir / "Y.npy").matrix();
    data.name = "w3";
    std::vector<Eigen::MatrixXd> w0 = {nt::io::read_npy(dir / "W1_0.npy").matrix(),
                                       nt::io::read_npy(dir / "W2_0.npy").matrix()};
    const auto p = data.targets.cols();
    const auto f = data.targets.rows();
    const auto h = w0[0].rows();

    nt::deeplinear::network_options net;
    net.widths = {static_cast<int>(data.inputs.rows()), static_cast<int>(h), static_cast<int>(f)};
    net.init = "given";
    nt::deeplinear::training_options train;
    train.learning_rate = lr / static_cast<double>(p);  // mean loss with lr == sum loss with lr / P
    train.steps = steps;
    train.record_steps = {0, 2000, 5000, 10000, steps};
    train.record_hidden = false;
    train.reduce = !direct;

    std::vector<double> times;
    double wait_frac = 0;
    nt::deeplinear::simulation_result r;
    for (int k = 0; k < repeat; ++k) {
      const auto w_0 = thread_sched_times();
      const auto t0 = std::chrono::steady_clock::now();
      r = nt::deeplinear::simulate(data, net, train, w0);
      const auto t1 = std::chrono::steady_clock::now();
      times.push_back(std::chrono::duration<double>(t1 - t0).count());
      if (k == 0) wait_frac = wait_fraction(w_0, thread_sched_times(), times.back());
    }
    if (r.status != "completed") throw std::runtime_error("the run " + r.status);
    const double cold = times.front();
    std::sort(times.begin(), times.end());
    const double warm = times[times.size() / 2];

    // The twin's flop count per step (its three 1000-row products and the updates) and the flops this
    // side executes (the same products on r = P + 64 rows when reduced).
    const double rows = r.reduced_output ? r.reduced_rank : static_cast<double>(f);
    const double pd = static_cast<double>(p), hd = static_cast<double>(h), fd = static_cast<double>(f);
    const double twin_flop = 2 * (hd * pd * pd + 3 * fd * hd * pd + hd * pd * pd) + 2 * (fd * hd + hd * pd);
    const double own_flop = 2 * (3 * rows * hd * pd) + 2 * (rows * hd + hd * pd) + 3 * rows * pd;

    const Eigen::MatrixXd wtot = r.weights[1] * r.weights[0];
    const Eigen::VectorXd sv_net = Eigen::BDCSVD<Eigen::MatrixXd>(wtot).singularValues();
    const Eigen::MatrixXd sigma_yx = data.targets * data.inputs.transpose() / pd;
    const Eigen::VectorXd sv_data = Eigen::BDCSVD<Eigen::MatrixXd>(sigma_yx).singularValues();

    std::string losses = "{";
    char buf[96];
    for (Eigen::Index i = 0; i < r.loss.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%s\"%ld\": %.17g", i ? ", " : "", static_cast<long>(r.steps[i]), r.loss[i] / pd);
      losses += buf;
    }
    losses += "}";
    std::printf(
        "RESULT {\"workload\": \"W3\", \"impl\": \"neurotheory\", \"method\": \"%s\", \"time_s\": %.6f, "
        "\"warm_median_s\": %.6f, \"wait_frac\": %.3f, \"repeat\": %d, \"threads\": %d, \"us_per_step\": %.4f, "
        "\"gflops\": %.3f, \"twin_equivalent_gflops\": %.3f, \"reduced_rank\": %d, \"loss\": %s, \"sv_net\": %s, "
        "\"sv_sigma_yx\": %s}\n",
        direct ? "direct" : "reduced", cold, warm, wait_frac, repeat, nt::thread_count(), 1e6 * cold / steps,
        own_flop * steps / cold * 1e-9, twin_flop * steps / cold * 1e-9, r.reduced_rank, losses.c_str(),
        sv_list(sv_net, p).c_str(), sv_list(sv_data, p).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "w3_deeplinear: %s\n", e.what());
    return 1;
  }
}
