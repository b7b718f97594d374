// Google Benchmark: the hot kernels of nt::core.
//   activation evaluate() over arrays          items/s = activation values (x -> phi, phi', phi'')
//   activation_moments / activation_pair_moments  items/s = quadrature nodes evaluated (calls, for
//                                                 closed forms: counter nodes=0)
//   gauss_hermite rule construction (cold) and the cached look-up the moments pay on every call
//   rng::stream fill_normal / fill_uniform      items/s = numbers drawn
//   gaussian_matrix, haar_orthogonal_matrix     items/s = entries; FLOP/s of forming Q (4/3 N^3)
// Run: build/release/bench/bench_core [--benchmark_filter=REGEX]; see bench/README.md.
#include <cmath>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include "neurotheory/core/activation.hpp"
#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/gaussian.hpp"
#include "neurotheory/core/random.hpp"

namespace {

// Pre-activations spread like those the quadrature feeds in: N(0, 4) from a fixed stream.
std::vector<double> sample_inputs(std::size_t n) {
  std::vector<double> x(n);
  nt::rng::stream s(42, {1});
  s.fill_normal(x);
  for (double& v : x) v *= 2.0;
  return x;
}

// evaluate(): phi only (what the length map needs) or all three outputs.
void bm_evaluate(benchmark::State& state, const std::string& name, bool all_outputs) {
  const auto& act = nt::activation_by_name(name);
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto x = sample_inputs(n);
  std::vector<double> phi(n), dphi(all_outputs ? n : 0), d2phi(all_outputs ? n : 0);
  for (auto _ : state) {
    act.evaluate(x, phi, dphi, d2phi);
    benchmark::DoNotOptimize(phi.data());
    benchmark::DoNotOptimize(dphi.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

// Scalar phi(x) through the virtual call, for comparison with the bulk path.
void bm_scalar_phi(benchmark::State& state, const std::string& name) {
  const auto& act = nt::activation_by_name(name);
  const auto x = sample_inputs(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    double sum = 0.0;
    for (double v : x) sum += act.phi(v);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// activation_moments at variance q with a fixed order (0 = automatic).
void bm_moments(benchmark::State& state, const std::string& name, double q, int order, bool closed) {
  const auto& act = nt::activation_by_name(name);
  const nt::quadrature_options quad{order, closed};
  // The rule is built (and cached) here, outside the timing.
  // A closed form evaluates no nodes: items are then calls.
  const bool by_formula = closed && act.closed_length_moments(q).has_value();
  const auto nodes = by_formula ? 1 : static_cast<int>(quad.rule_for(q, act.smooth(), 1).nodes.size());
  double acc = 0.0;
  for (auto _ : state) {
    const auto m = nt::activation_moments(act, q, quad);
    acc += m.phi2;
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * nodes);
  state.counters["nodes"] = by_formula ? 0 : nodes;
}

// activation_pair_moments: an order^2 tensor grid (order^2 + order activation values per call).
void bm_pair_moments(benchmark::State& state, const std::string& name, double q, double c, int order, bool closed) {
  const auto& act = nt::activation_by_name(name);
  const nt::quadrature_options quad{order, closed};
  const bool by_formula = closed && act.closed_kernel(q, q, c * q).has_value() &&
                          act.closed_derivative_kernel(q, q, c * q).has_value();
  const auto nodes = by_formula ? 1 : static_cast<int>(quad.rule_for(q, act.smooth(), 2).nodes.size());
  double acc = 0.0;
  for (auto _ : state) {
    const auto m = nt::activation_pair_moments(act, q, q, c * q, quad);
    acc += m.phi_phi;
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(nodes) * nodes);
  state.counters["nodes"] = by_formula ? 0 : nodes;
}

// Rule construction is cached per order, so each run builds a new order: range(0), then
// range(0) + 2, + 4, ... on repetitions (one iteration per run; noisy, use --benchmark_repetitions).
void bm_gauss_hermite_cold(benchmark::State& state) {
  static std::map<std::int64_t, int> runs;
  const int order = static_cast<int>(state.range(0)) + 2 * runs[state.range(0)]++;
  for (auto _ : state) {
    const auto& rule = nt::gauss_hermite(order);
    benchmark::DoNotOptimize(rule.nodes.data());
  }
  state.SetItemsProcessed(state.iterations() * order);
}

// The cached look-up every activation_moments call pays (mutex + map).
void bm_gauss_hermite_cached(benchmark::State& state) {
  const int order = static_cast<int>(state.range(0));
  (void)nt::gauss_hermite(order);
  for (auto _ : state) {
    const auto& rule = nt::gauss_hermite(order);
    benchmark::DoNotOptimize(&rule);
  }
}

void bm_fill_normal(benchmark::State& state) {
  std::vector<double> out(static_cast<std::size_t>(state.range(0)));
  nt::rng::stream s(7, {3, 1});
  for (auto _ : state) {
    s.fill_normal(out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * state.range(0) * static_cast<std::int64_t>(sizeof(double)));
}

void bm_fill_uniform(benchmark::State& state) {
  std::vector<double> out(static_cast<std::size_t>(state.range(0)));
  nt::rng::stream s(7, {3, 2});
  for (auto _ : state) {
    s.fill_uniform(out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * state.range(0) * static_cast<std::int64_t>(sizeof(double)));
}

void bm_gaussian_matrix(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  Eigen::MatrixXd w(n, n);
  nt::rng::stream s(11, {0});
  for (auto _ : state) {
    nt::gaussian_matrix(s, 1.5, w);
    benchmark::DoNotOptimize(w.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n * n);
}

void bm_haar_orthogonal_matrix(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  Eigen::MatrixXd w(n, n);
  nt::rng::stream s(11, {1});
  for (auto _ : state) {
    nt::haar_orthogonal_matrix(s, 1.5, w);
    benchmark::DoNotOptimize(w.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n * n);
  // Forming Q from N Householder reflectors of fresh Gaussian vectors (dorgqr, 4/3 N^3); the reflectors
  // themselves cost O(N^2).
  const double flops = 4.0 / 3.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  state.counters["FLOP"] = benchmark::Counter(flops * static_cast<double>(state.iterations()),
                                              benchmark::Counter::kIsRate);
}

std::string short_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

void register_all() {
  for (const std::string name : {"tanh", "erf", "relu", "sigmoid", "gelu", "swish", "selu", "hard_tanh"}) {
    benchmark::RegisterBenchmark(("evaluate_phi/" + name).c_str(), bm_evaluate, name, false)
        ->Arg(100)
        ->Arg(10000);
    if (name == "tanh") {
      // 50 = the folded half of a 100-node rule: 2 values fall into the scalar tail of the 4-wide loop.
      benchmark::RegisterBenchmark("evaluate_phi/tanh", bm_evaluate, name, false)->Arg(48)->Arg(50)->Arg(52);
    }
    benchmark::RegisterBenchmark(("evaluate_all/" + name).c_str(), bm_evaluate, name, true)->Arg(10000);
  }
  benchmark::RegisterBenchmark("scalar_phi/tanh", bm_scalar_phi, std::string("tanh"))->Arg(10000);

  // Length moments: tanh at the orders the W1 workload and the automatic rule use.
  for (const double q : {0.1, 1.0, 4.0, 16.0}) {
    for (const int order : {20, 100, 0}) {
      const std::string label = "activation_moments/tanh/q=" + short_number(q) +
                                "/order=" + (order == 0 ? std::string("auto") : std::to_string(order));
      benchmark::RegisterBenchmark(label.c_str(), bm_moments, std::string("tanh"), q, order, true);
    }
  }
  for (const std::string name : {"erf", "relu", "sigmoid", "gelu"}) {
    benchmark::RegisterBenchmark(("activation_moments/" + name + "/q=1/order=100").c_str(), bm_moments, name, 1.0,
                                 100, true);
  }
  benchmark::RegisterBenchmark("activation_moments/erf/q=1/order=100/quadrature", bm_moments, std::string("erf"),
                               1.0, 100, false);

  // Pair moments: order^2 nodes; erf and relu have closed forms (kernel + derivative kernel).
  for (const int order : {20, 50, 100}) {
    benchmark::RegisterBenchmark(("activation_pair_moments/tanh/q=1/c=0.5/order=" + std::to_string(order)).c_str(),
                                 bm_pair_moments, std::string("tanh"), 1.0, 0.5, order, true);
  }
  benchmark::RegisterBenchmark("activation_pair_moments/tanh/q=4/c=0.5/order=auto", bm_pair_moments,
                               std::string("tanh"), 4.0, 0.5, 0, true);
  benchmark::RegisterBenchmark("activation_pair_moments/erf/q=1/c=0.5/closed", bm_pair_moments, std::string("erf"),
                               1.0, 0.5, 100, true);
  benchmark::RegisterBenchmark("activation_pair_moments/relu/q=1/c=0.5/closed", bm_pair_moments,
                               std::string("relu"), 1.0, 0.5, 100, true);

  // Orders not used elsewhere (odd), so the one iteration builds the rule.
  benchmark::RegisterBenchmark("gauss_hermite/cold", bm_gauss_hermite_cold)
      ->Arg(101)
      ->Arg(501)
      ->Arg(1201)
      ->Arg(4001)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gauss_hermite/cached", bm_gauss_hermite_cached)->Arg(100)->ThreadRange(1, 2);

  benchmark::RegisterBenchmark("rng/fill_normal", bm_fill_normal)->Arg(1 << 16);
  benchmark::RegisterBenchmark("rng/fill_uniform", bm_fill_uniform)->Arg(1 << 16);

  benchmark::RegisterBenchmark("gaussian_matrix", bm_gaussian_matrix)
      ->Arg(256)
      ->Arg(1000)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("haar_orthogonal_matrix", bm_haar_orthogonal_matrix)
      ->Arg(256)
      ->Arg(1000)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

// Registered at static initialisation, before benchmark_main's main() runs.
[[maybe_unused]] const bool registered = (register_all(), true);

}  // namespace
