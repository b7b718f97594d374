// Google Benchmark: nt::signalprop.
//   fixed_point        one (sigma_w2, sigma_b2): q* by Newton (+ c* by Newton on the 2-D quadrature)
//   phase_diagram      small grids (items/s = grid points), and the full W1 grid of bench/compare
//   simulate           a small finite network (items/s = layer passes of one replicate)
// The OpenMP-parallel ones report wall time (UseRealTime). See bench/README.md.
#include <algorithm>
#include <cstdint>
#include <string>

#include <benchmark/benchmark.h>

#include "neurotheory/core/parallel.hpp"
#include "neurotheory/signalprop/meanfield.hpp"
#include "neurotheory/signalprop/phase_diagram.hpp"
#include "neurotheory/signalprop/simulate.hpp"

namespace {

namespace sp = nt::signalprop;

// q* only (c0 = 1 makes the correlation solve trivial: c = 1 is always a fixed point).
// q0 < 0: a warm start 0.1% above q*, as a neighbour on a phase-diagram row gives.
void bm_fixed_point_length(benchmark::State& state, double sigma_w2, double sigma_b2, int order, double q0) {
  const sp::network_params p{"tanh", sigma_w2, sigma_b2, order};
  sp::solver_options s;
  s.c0 = 1.0;
  const double q_star = sp::fixed_point(p, s).q_star;  // also builds the quadrature rule
  s.q0 = q0 >= 0.0 ? q0 : 1.001 * q_star;
  long long iterations = 0;
  for (auto _ : state) {
    const auto r = sp::fixed_point(p, s);
    iterations += r.q_iterations;
    benchmark::DoNotOptimize(r.q_star);
  }
  state.counters["newton_its"] =
      static_cast<double>(iterations) / static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
  state.SetItemsProcessed(state.iterations());
}

// q*, c*, chi_c and the depth scales (the correlation map needs order^2 activation values).
void bm_fixed_point_full(benchmark::State& state, double sigma_w2, double sigma_b2, int order) {
  const sp::network_params p{"tanh", sigma_w2, sigma_b2, order};
  (void)sp::fixed_point(p);
  long long iterations = 0;
  for (auto _ : state) {
    const auto r = sp::fixed_point(p);
    iterations += r.q_iterations + r.c_iterations;
    benchmark::DoNotOptimize(r.c_star);
  }
  state.counters["newton_its"] =
      static_cast<double>(iterations) / static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
  state.SetItemsProcessed(state.iterations());
}

sp::phase_diagram_options grid(int points, bool correlation, int order) {
  sp::phase_diagram_options o;
  o.activation = "tanh";
  o.spacing = "std";
  o.sigma_w2_min = 0.25;
  o.sigma_w2_max = 16.0;
  o.sigma_b2_min = 0.0;
  o.sigma_b2_max = 1.0;
  o.sigma_w2_points = points;
  o.sigma_b2_points = points;
  o.correlation = correlation;
  o.quadrature_order = order;
  o.tolerance = 1e-12;
  return o;
}

// state.range(0) = grid points per axis, state.range(1) = threads.
void bm_phase_diagram(benchmark::State& state, bool correlation, int order) {
  const auto options = grid(static_cast<int>(state.range(0)), correlation, order);
  const int previous = nt::thread_count();
  nt::set_thread_count(static_cast<int>(state.range(1)));
  (void)sp::phase_diagram(options);
  long long newton = 0;
  for (auto _ : state) {
    const auto r = sp::phase_diagram(options);
    newton += r.newton_iterations;
    benchmark::DoNotOptimize(r.q_star.data());
  }
  nt::set_thread_count(previous);
  const auto points = static_cast<std::int64_t>(state.range(0)) * state.range(0);
  state.SetItemsProcessed(state.iterations() * points);
  state.counters["newton_its/point"] =
      static_cast<double>(newton) /
      (static_cast<double>(points) * static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations())));
}

// A small network: width N, depth 10, 2 replicates, 3 single inputs + 3 pairs, with gradients.
void bm_simulate(benchmark::State& state, const std::string& weights) {
  sp::simulation_options o;
  o.network = sp::network_params{"tanh", 1.76, 0.05, 0};
  o.width = static_cast<int>(state.range(0));
  o.depth = 10;
  o.seeds = 2;
  o.weights = weights;
  o.gradients = true;
  for (auto _ : state) {
    const auto r = sp::simulate(o);
    benchmark::DoNotOptimize(r.max_q_z);
  }
  state.SetItemsProcessed(state.iterations() * o.depth * o.seeds);
}

void register_all() {
  // Ordered, near-critical and chaotic points; order 100 as in W1, and the automatic order.
  benchmark::RegisterBenchmark("fixed_point/length/ordered/order=100", bm_fixed_point_length, 1.0, 0.05, 100, 1.0);
  benchmark::RegisterBenchmark("fixed_point/length/critical/order=100", bm_fixed_point_length, 1.76, 0.05, 100, 1.0);
  benchmark::RegisterBenchmark("fixed_point/length/chaotic/order=100", bm_fixed_point_length, 9.0, 0.5, 100, 1.0);
  benchmark::RegisterBenchmark("fixed_point/length/chaotic/order=100/warm", bm_fixed_point_length, 9.0, 0.5, 100,
                               -1.0);
  benchmark::RegisterBenchmark("fixed_point/length/chaotic/order=auto", bm_fixed_point_length, 9.0, 0.5, 0, 1.0);
  benchmark::RegisterBenchmark("fixed_point/full/critical/order=50", bm_fixed_point_full, 1.76, 0.05, 50);
  benchmark::RegisterBenchmark("fixed_point/full/chaotic/order=50", bm_fixed_point_full, 4.0, 0.05, 50);

  benchmark::RegisterBenchmark("phase_diagram/length/order=100", bm_phase_diagram, false, 100)
      ->Args({20, 1})
      ->Args({20, 2})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("phase_diagram/full/order=50", bm_phase_diagram, true, 50)
      ->Args({10, 1})
      ->Args({10, 2})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  // The W1 workload (bench/compare W1 runs it against the numpy twin).
  benchmark::RegisterBenchmark("phase_diagram/W1/200x200/order=100", bm_phase_diagram, false, 100)
      ->Args({200, 1})
      ->Args({200, 2})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();

  benchmark::RegisterBenchmark("simulate/tanh/depth=10/seeds=2", bm_simulate, std::string("gaussian"))
      ->Arg(256)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("simulate/tanh/depth=10/seeds=2/orthogonal", bm_simulate, std::string("orthogonal"))
      ->Arg(256)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

// Registered at static initialisation, before benchmark_main's main() runs.
[[maybe_unused]] const bool registered = (register_all(), true);

}  // namespace
