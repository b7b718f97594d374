// The synapses reproductions: exact memory curves of complex Markov synapses next to Monte Carlo
// populations (Lahiri & Ganguli 2013 [LG13]; Fusi, Drew & Abbott 2005 [FDA05]; Benna & Fusi 2016
// [BF16]; Amit & Fusi 1994 [AF94]).
//   memory_curves     [LG13] Fig. 1c: SNR(t) and its running average for the cascade and serial models
//                     (M = 20, x = 1/2, q = 1/2), Poisson-time Monte Carlo points on the curves.
//   memory_frontier   [LG13] Fig. 5a: the envelope of any 12-state synapse (N = 100) with hand-designed
//                     models (binary, serial, sticky chains, cascade) and numerically optimised ones
//                     under it; Monte Carlo of the sticky chain.
//   benna_fusi_decay  [BF16] Fig. 3: the 1/sqrt(t) power law of the chain of coupled variables against
//                     cascade and binary synapses, the ~4^m cutoff, and the chain simulated.
//   lifetime_scaling  lifetime against N for each family (log N, sqrt(N), N/log N) with the frontier
//                     bound, and an associative memory built from these synapses: retrieved patterns
//                     against the number of inputs, simulation next to the single-synapse theory.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "neurotheory/synapses/benna_fusi.hpp"
#include "neurotheory/synapses/design.hpp"
#include "neurotheory/synapses/frontier.hpp"
#include "neurotheory/synapses/memory_curve.hpp"
#include "neurotheory/synapses/model.hpp"
#include "neurotheory/synapses/simulate.hpp"

#include "common.hpp"

namespace nt::reproduce::detail {
namespace {

using nlohmann::json;
namespace syn = nt::synapses;

// P(X >= k) for X ~ Binomial(n, p), summed in log space (n <= a few thousand).
double binomial_tail(int n, double p, int k) {
  if (k <= 0) return 1.0;
  if (k > n) return 0.0;
  if (p <= 0.0) return 0.0;
  if (p >= 1.0) return 1.0;
  double total = 0.0;
  for (int j = k; j <= n; ++j) {
    total += std::exp(std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0) + j * std::log(p) +
                      (n - j) * std::log1p(-p));
  }
  return std::min(total, 1.0);
}

Eigen::VectorXd log_grid(double a, double b, int n) {
  return Eigen::VectorXd::LinSpaced(n, std::log(a), std::log(b)).array().exp();
}

// Log-spaced recording times in [a, b], rounded to integers when `integer` (discrete time), deduplicated.
std::vector<double> record_times(double a, double b, int n, bool integer) {
  std::vector<double> t;
  for (double x : log_grid(a, b, n)) {
    const double v = std::clamp(integer ? std::round(x) : x, a, b);  // exp(log b) may round above b
    if (t.empty() || v > t.back()) t.push_back(v);
  }
  return t;
}

Eigen::ArrayXXd column(const Eigen::VectorXd& v) { return Eigen::ArrayXXd(v.array()); }
Eigen::ArrayXXd column(const Eigen::ArrayXd& v) { return Eigen::ArrayXXd(v); }
std::vector<double> vec(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }
std::vector<double> vec(const Eigen::ArrayXd& v) { return {v.data(), v.data() + v.size()}; }

// Largest SNR(t) / envelope(t) over the grid where the envelope is positive (<= 1 for any +-1 model).
double max_ratio(const Eigen::VectorXd& snr, const Eigen::VectorXd& envelope) {
  double r = 0.0;
  for (Eigen::Index k = 0; k < snr.size(); ++k) {
    if (envelope(k) > 0.0) r = std::max(r, snr(k) / envelope(k));
  }
  return r;
}

syn::simulation_options poisson_run(long long synapses, int repetitions, double horizon, std::vector<double> times,
                                    std::uint64_t seed) {
  syn::simulation_options o;
  o.synapses = synapses;
  o.repetitions = repetitions;
  o.time = "poisson";
  o.horizon = horizon;
  o.times = std::move(times);
  o.seed = seed;
  return o;
}

reproduction_output memory_curves(const context& ctx) {
  const auto& opt = ctx.options;
  // The authors' code for Fig. 1c: M = 20 states (10 per side), cascade x = 1/2, serial q = 1/2, f_pot = 1/2.
  const int M = 20;
  const double N = 1e4;  // synapses: the simulated population, so the points are one population's SNR
  const std::vector<std::pair<std::string, syn::markov_model>> models = {{"cascade", syn::cascade(M, 0.5)},
                                                                         {"serial", syn::serial(M, 0.5)}};
  const int repetitions = opt.quick ? 4 : 8;
  const double horizon = opt.quick ? 100.0 : 1000.0;
  const auto times = record_times(0.3, horizon, opt.quick ? 12 : 19, false);

  const Eigen::VectorXd grid = log_grid(0.1, 1e4, 121);
  io::table theory;
  theory.add("time", vec(grid));
  io::table sim;
  std::vector<double> s_model, s_time, s_mean, s_sem, s_theory, s_curve;
  std::vector<std::uint64_t> seeds;
  json agreement = json::object();
  json numbers = json::object();
  agreement_stats all;
  long long units = 0;
  double cross = 0.0;  // simulate.hpp's exact curve vs memory_curve.hpp's (independent implementations)
  for (std::size_t k = 0; k < models.size(); ++k) {
    const auto& [label, model] = models[k];
    theory.add("snr_" + label, vec(syn::snr(model, grid, N)));
    theory.add("running_" + label, vec(syn::running_average(model, grid, N)));
    seeds.push_back(derive_seed(opt.seed, {60, k}));
    const auto r =
        syn::simulate(model, poisson_run(static_cast<long long>(N), repetitions, horizon, times, seeds.back()));
    const Eigen::VectorXd curve = syn::snr(model, r.time, N);
    for (Eigen::Index i = 0; i < r.time.size(); ++i) {
      s_model.push_back(static_cast<double>(k));
      s_time.push_back(r.time(i));
      s_mean.push_back(r.snr_mean(i));
      s_sem.push_back(r.snr_sem(i));
      s_theory.push_back(r.snr_theory(i));
      s_curve.push_back(curve(i));
      cross = std::max(cross, std::abs(r.snr_theory(i) - curve(i)) / std::max(std::abs(curve(i)), 1e-300));
    }
    const auto stats = compare(column(r.snr_mean), column(r.snr_sem), column(curve), 0);
    accumulate(all, stats);
    units = r.units;
    agreement[label] = to_json(stats);
    numbers[label] = {{"snr0", syn::snr0(model, N)},
                      {"area", syn::area(model, N)},
                      {"lifetime", json_number(syn::lifetime(model, N))},
                      {"slowest_tau", syn::eigenmodes(model).tau.maxCoeff()}};
  }
  io::write_csv(ctx.file("theory.csv"), theory);
  sim.add("model", s_model);
  sim.add("time", s_time);
  sim.add("snr_mean", s_mean);
  sim.add("snr_sem", s_sem);
  sim.add("snr_theory", s_curve);
  io::write_csv(ctx.file("simulation.csv"), sim);

  reproduction_output out;
  out.config = {{"models", {"cascade", "serial"}},
                {"states", M},
                {"cascade_x", 0.5},
                {"serial_q", 0.5},
                {"f_pot", 0.5},
                {"N", N},
                {"width", static_cast<int>(N)},
                {"time", "poisson (rate r = 1)"},
                {"repetitions", repetitions},
                {"horizon", horizon},
                {"recorded_times", times},
                {"simulation_seeds", seeds}};
  out.agreement = {{"snr", to_json(all)},
                   {"per_model", agreement},
                   {"replicates", units},
                   {"N", N},
                   {"theory", numbers},
                   {"exact_curves_max_relative_difference", cross},
                   {"compared",
                    "SNR(t) of a population of N synapses (mean over repetitions, standard error from "
                    "blocks of synapses) vs the exact eigenmode curve of memory_curve.hpp"}};
  out.extra = {{"files",
                {{"theory.csv",
                  "time grid; SNR(t) and running average SNRbar(tau = t) of each model (sqrt(N) "
                  "included)"},
                 {"simulation.csv",
                  "per model (0 cascade, 1 serial) and recorded time: Monte Carlo SNR mean, "
                  "standard error, exact value"}}}};
  return out;
}

reproduction_output memory_frontier(const context& ctx) {
  const auto& opt = ctx.options;
  const int M = 12;
  const double N = 100;  // [LG13] Fig. 5a
  const Eigen::VectorXd grid = log_grid(0.1, 1e4, 161);
  const Eigen::VectorXd envelope = syn::snr_max(grid, M, N);
  Eigen::VectorXd running_env(grid.size()), conjectured(grid.size());
  for (Eigen::Index k = 0; k < grid.size(); ++k) {
    running_env(k) = syn::running_average_max(grid(k), M, N);
    conjectured(k) = syn::running_average_conjectured(grid(k), M, N);
  }
  // Hand-designed models: the deterministic switch saturates SNR(0) = sqrt(N); sticky chains approach the
  // late-time envelope as epsilon -> 0 [LG13 Fig. 5c]; serial and cascade for reference.
  const std::vector<std::pair<std::string, syn::markov_model>> hand = {
      {"binary q = 1", syn::binary(1.0)},
      {"serial q = 1", syn::serial(M, 1.0)},
      {"sticky eps = 0.1", syn::sticky_serial(M, 0.1)},
      {"sticky eps = 0.01", syn::sticky_serial(M, 0.01)},
      {"sticky eps = 0.001", syn::sticky_serial(M, 0.001)},
      {"cascade x = 0.5", syn::cascade(M, 0.5)}};
  io::table curves, running;
  curves.add("time", vec(grid));
  curves.add("envelope", vec(envelope));
  running.add("tau", vec(grid));
  running.add("envelope", vec(running_env));
  running.add("conjectured", vec(conjectured));
  std::vector<std::string> labels;
  double worst = 0.0, worst_running = 0.0;
  json per_model = json::object();
  for (std::size_t k = 0; k < hand.size(); ++k) {
    const auto& [label, model] = hand[k];
    const Eigen::VectorXd s = syn::snr(model, grid, N);
    const Eigen::VectorXd ra = syn::running_average(model, grid, N);
    curves.add("snr_" + std::to_string(k), vec(s));
    running.add("running_" + std::to_string(k), vec(ra));
    labels.push_back(label);
    worst = std::max(worst, max_ratio(s, envelope));
    worst_running = std::max(worst_running, max_ratio(ra, running_env));
    per_model[label] = {{"max_snr_over_envelope", max_ratio(s, envelope)},
                        {"area", syn::area(model, N)},
                        {"area_bound", syn::area_bound(M, N)},
                        {"lifetime", json_number(syn::lifetime(model, N))}};
  }
  // Numerically optimised models: gradient ascent on SNRbar(tau) at a few recall times.
  const std::vector<double> taus = opt.quick ? std::vector<double>{2.0, 20.0, 200.0}
                                             : std::vector<double>{1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0};
  std::vector<double> o_value, o_env, o_fraction;
  json optimised = json::array();
  for (std::size_t k = 0; k < taus.size(); ++k) {
    syn::optimise_options o;
    o.states = M;
    o.N = N;
    o.tau = taus[k];
    o.restarts = opt.quick ? 2 : 4;
    o.iterations = opt.quick ? 300 : 1000;
    o.seed = derive_seed(opt.seed, {61, k});
    const auto r = syn::optimise_model(o);
    o_value.push_back(r.running_average);
    o_env.push_back(r.envelope);
    o_fraction.push_back(r.running_average / r.envelope);
    const Eigen::VectorXd s = syn::snr(r.model, grid, N);
    const Eigen::VectorXd ra = syn::running_average(r.model, grid, N);
    curves.add("optimised_" + std::to_string(k), vec(s));
    running.add("optimised_" + std::to_string(k), vec(ra));
    worst = std::max(worst, max_ratio(s, envelope));
    worst_running = std::max(worst_running, max_ratio(ra, running_env));
    optimised.push_back({{"tau", taus[k]},
                         {"running_average", r.running_average},
                         {"envelope", r.envelope},
                         {"fraction_of_envelope", r.running_average / r.envelope},
                         {"seed", o.seed}});
  }
  io::write_csv(ctx.file("curves.csv"), curves);
  io::write_csv(ctx.file("running.csv"), running);
  io::table opt_table;
  opt_table.add("tau", taus);
  opt_table.add("running_average", o_value);
  opt_table.add("envelope", o_env);
  opt_table.add("fraction", o_fraction);
  io::write_csv(ctx.file("optimised.csv"), opt_table);

  // Monte Carlo of the sticky chain (epsilon = 0.1): a large population's signal, shown as the SNR of
  // N = 100 synapses (the signal per synapse does not depend on N; only its standard error does).
  const long long synapses = opt.quick ? 8192 : 16384;
  const int repetitions = opt.quick ? 4 : 8;
  const double horizon = opt.quick ? 100.0 : 500.0;
  const auto times = record_times(0.3, horizon, opt.quick ? 10 : 16, false);
  const std::uint64_t seed = derive_seed(opt.seed, {62});
  const auto sticky = syn::sticky_serial(M, 0.1);
  const auto r = syn::simulate(sticky, poisson_run(synapses, repetitions, horizon, times, seed));
  const double scale = std::sqrt(N / static_cast<double>(synapses));
  const Eigen::VectorXd curve = syn::snr(sticky, r.time, N);
  const Eigen::VectorXd mean = r.snr_mean * scale, sem = r.snr_sem * scale;
  const auto stats = compare(column(mean), column(sem), column(curve), 0);
  io::table sim;
  sim.add("time", vec(r.time));
  sim.add("snr_mean", vec(mean));
  sim.add("snr_sem", vec(sem));
  sim.add("snr_theory", vec(curve));
  io::write_csv(ctx.file("simulation.csv"), sim);

  reproduction_output out;
  out.config = {{"states", M},
                {"N", N},
                {"hand_designed", labels},
                {"optimised_tau", taus},
                {"optimiser", {{"restarts", opt.quick ? 2 : 4}, {"iterations", opt.quick ? 300 : 1000}}},
                {"simulated", "sticky eps = 0.1"},
                {"simulated_synapses", synapses},
                {"width", static_cast<int>(synapses)},
                {"repetitions", repetitions},
                {"horizon", horizon},
                {"time", "poisson (rate r = 1)"},
                {"simulation_seeds", {seed}}};
  out.agreement = {{"sticky_snr", to_json(stats)},
                   {"replicates", r.units},
                   {"N", N},
                   {"max_snr_over_envelope", worst},
                   {"max_running_over_envelope", worst_running},
                   {"per_model", per_model},
                   {"optimised", optimised},
                   {"compared",
                    "Monte Carlo signal of the sticky chain, as the SNR of N = 100 synapses, vs the exact "
                    "curve; every curve divided by the frontier (must stay <= 1)"}};
  out.extra = {{"files",
                {{"curves.csv",
                  "time grid: envelope SNR_max(t), SNR of each hand-designed model (snr_k, k as in "
                  "config.hand_designed) and each optimised model (optimised_k, k as optimised_tau)"},
                 {"running.csv", "tau grid: running-average envelope, conjectured envelope, SNRbar of each model"},
                 {"optimised.csv", "optimised models: tau, SNRbar(tau), envelope, fraction"},
                 {"simulation.csv", "sticky chain Monte Carlo: time, SNR mean, standard error, exact"}}}};
  return out;
}

reproduction_output benna_fusi_decay(const context& ctx) {
  const auto& opt = ctx.options;
  const double N = 1e5;
  const Eigen::VectorXd grid = log_grid(1.0, 1e9, 181);
  syn::benna_fusi_options base;  // C_k = 2^(k-1), g_{k,k+1} = g12 2^-(k-1), g12 = 1/4 (notes 1.4)
  const auto best = syn::benna_fusi_best_variables(base, N);
  syn::benna_fusi_options chain_best = base;
  chain_best.variables = best.variables;
  // Against: cascade with n = 10 per side, the binary switch at its optimal q = e/sqrt(N) and at q = 1/2.
  const auto cascade = syn::cascade(20, 0.5);
  const double q_opt = std::exp(1.0) / std::sqrt(N);
  const auto slow = syn::binary(q_opt), fast = syn::binary(0.5);
  const auto bf = syn::benna_fusi_memory_curve(chain_best, grid.array(), N);
  io::table curves;
  curves.add("time", vec(grid));
  curves.add("snr_benna_fusi", vec(bf.snr));
  curves.add("snr_cascade", vec(syn::snr(cascade, grid, N)));
  curves.add("snr_binary_slow", vec(syn::snr(slow, grid, N)));
  curves.add("snr_binary_fast", vec(syn::snr(fast, grid, N)));
  io::write_csv(ctx.file("curves.csv"), curves);

  // Impulse responses for several m: the power law and its cutoff near the slowest time ~4^m.
  const std::vector<int> ms = {4, 8, 12, 16, 20};
  const Eigen::VectorXd tg = log_grid(0.1, 1e13, 197);
  io::table impulse;
  impulse.add("time", vec(tg));
  json cutoffs = json::object();
  double slope_min = 0.0, slope_max = -1.0;
  for (int m : ms) {
    syn::benna_fusi_options o = base;
    o.variables = m;
    const auto c = syn::benna_fusi_memory_curve(o, tg.array(), N);
    impulse.add("G_" + std::to_string(m), vec(c.impulse_response));
    impulse.add("slope_" + std::to_string(m), vec(c.log_slope));
    cutoffs[std::to_string(m)] = c.slowest_time;
    if (m == 20) {
      slope_min = 0.0;
      slope_max = -1.0;
      for (Eigen::Index k = 0; k < tg.size(); ++k) {
        if (tg(k) >= 1e1 && tg(k) <= 1e12) {
          slope_min = std::min(slope_min, c.log_slope(k));
          slope_max = std::max(slope_max, c.log_slope(k));
        }
      }
    }
  }
  io::write_csv(ctx.file("impulse.csv"), impulse);

  // The chain simulated (continuous values, one memory per step): the tracked memory's mean signal
  // against the linear discrete-time chain, for a small m whose time scales the run covers.
  syn::benna_fusi_discrete_options d;
  d.chain = base;
  d.chain.variables = 6;
  d.synapses = opt.quick ? 4000 : 20000;
  d.steps = opt.quick ? 300 : 2000;
  d.burn_in = opt.quick ? 300 : 1000;
  d.repeats = opt.quick ? 1 : 2;
  d.seed = derive_seed(opt.seed, {63});
  const auto s = syn::benna_fusi_simulate(d);
  const auto stats = compare(column(s.signal), column(s.signal_stderr), column(s.theory_signal), 0);
  // As SNR of N synapses with the simulated chain's stationary variance (linear theory).
  const double to_snr = std::sqrt(N / s.theory_variance);
  syn::benna_fusi_options small = d.chain;
  const auto small_curve = syn::benna_fusi_memory_curve(small, s.step.array().max(1e-3), N);
  io::table sim;
  sim.add("step", vec(s.step));
  sim.add("signal", vec(s.signal));
  sim.add("signal_stderr", vec(s.signal_stderr));
  sim.add("theory_signal", vec(s.theory_signal));
  sim.add("snr", vec(Eigen::ArrayXd(s.signal * to_snr)));
  sim.add("snr_stderr", vec(Eigen::ArrayXd(s.signal_stderr * to_snr)));
  sim.add("snr_theory", vec(Eigen::ArrayXd(s.theory_signal * to_snr)));
  sim.add("snr_continuous", vec(small_curve.snr));
  io::write_csv(ctx.file("simulation.csv"), sim);

  const double log_n = std::log(N);
  reproduction_output out;
  out.config = {{"N", N},
                {"width", static_cast<int>(N)},
                {"g12", base.g12},
                {"capacity_ratio", base.capacity_ratio},
                {"conductance_ratio", base.conductance_ratio},
                {"variables", best.variables},
                {"impulse_variables", ms},
                {"cascade_states", 20},
                {"cascade_x", 0.5},
                {"binary_q_slow", q_opt},
                {"binary_q_fast", 0.5},
                {"simulated_variables", d.chain.variables},
                {"simulated_synapses", d.synapses},
                {"steps", d.steps},
                {"burn_in", d.burn_in},
                {"repeats", d.repeats},
                {"simulation_seeds", {d.seed}}};
  out.agreement = {{"signal", to_json(stats)},
                   {"replicates", static_cast<long long>(d.synapses) * d.repeats},
                   {"variance", {{"simulated", s.variance}, {"theory", s.theory_variance}}},
                   {"log_slope_m20_1e1_1e12", {{"min", slope_min}, {"max", slope_max}}},
                   {"slowest_time", cutoffs},
                   {"lifetimes",
                    {{"benna_fusi", json_number(bf.lifetime)},
                     {"cascade", json_number(syn::lifetime(cascade, N))},
                     {"binary_slow", json_number(syn::lifetime(slow, N))},
                     {"binary_fast", json_number(syn::lifetime(fast, N))}}},
                   {"benna_fusi_lifetime_lnN_over_N", json_number(bf.lifetime * log_n / N)},
                   {"compared",
                    "mean signal xi u_1(n) of the tracked memory over simulated synapses (standard error from their "
                    "scatter) vs the linear discrete-time chain"}};
  out.extra = {{"files",
                {{"curves.csv",
                  "time grid: SNR of N synapses for the Benna-Fusi chain (best m), cascade, binary "
                  "switch at q = e/sqrt(N) and q = 1/2"},
                 {"impulse.csv", "impulse response G_m(t) and its log-slope for m in config.impulse_variables"},
                 {"simulation.csv",
                  "the simulated chain: step, signal mean, standard error, linear theory, the same "
                  "as SNR of N synapses, and the continuous-time SNR"}}}};
  return out;
}

reproduction_output lifetime_scaling(const context& ctx) {
  const auto& opt = ctx.options;
  syn::scaling_options so;  // N = 1e2..1e10, M = 12
  const auto table = syn::lifetime_scaling(so);
  std::vector<std::string> families;
  std::vector<double> family;
  for (const auto& m : table.model) {
    auto it = std::find(families.begin(), families.end(), m);
    family.push_back(static_cast<double>(it - families.begin()));
    if (it == families.end()) families.push_back(m);
  }
  std::vector<double> bound;
  for (double n : table.N) bound.push_back(syn::lifetime_bound(so.states, n));
  io::table t;
  t.add("family", family);
  t.add("N", table.N);
  t.add("parameter", table.parameter);
  t.add("lifetime", table.lifetime);
  t.add("frontier_bound", bound);
  io::write_csv(ctx.file("scaling.csv"), t);
  json fits = json::object();
  for (const auto& f : table.fits) {
    fits[f.model] = {{"exponent", f.exponent}, {"law", f.law}, {"coefficient", f.coefficient}, {"spread", f.spread}};
  }

  // Associative memory: how many recent patterns a network retrieves as the number of inputs n grows,
  // simulation next to the exact binomial theory built on the single-synapse curve.
  const std::vector<int> inputs =
      opt.quick ? std::vector<int>{64, 256, 1024} : std::vector<int>{64, 128, 256, 512, 1024, 2048, 4096};
  const int outputs = opt.quick ? 32 : 100;
  const int max_age = opt.quick ? 80 : 150;
  const std::vector<std::pair<std::string, syn::markov_model>> nets = {{"binary q = 0.5", syn::binary(0.5)},
                                                                       {"cascade M = 8", syn::cascade(8, 0.5)}};
  std::vector<double> a_family, a_inputs, a_age, a_mean, a_sem, a_theory, r_family, r_inputs, r_sim, r_theory,
      r_expected;
  std::vector<std::uint64_t> seeds;
  json per_net = json::object();
  json counts = json::array();
  for (std::size_t k = 0; k < nets.size(); ++k) {
    agreement_stats st;
    for (std::size_t j = 0; j < inputs.size(); ++j) {
      syn::associative_options ao;
      ao.inputs = inputs[j];
      ao.outputs = outputs;
      ao.patterns = max_age;
      ao.max_age = max_age;
      ao.criterion = 0.9;
      ao.seed = derive_seed(opt.seed, {64, k, j});
      seeds.push_back(ao.seed);
      const auto r = syn::associative_memory(nets[k].second, ao);
      // Binomial standard error at the theory's recall probability (the measured fraction's own
      // p(1 - p) vanishes near 1): outputs independent bits per pattern.
      Eigen::VectorXd sem(r.age.size());
      // `retrieved` counts every age whose measured fraction reaches the criterion, so its expectation is
      // sum_a P(Binomial(outputs, p_a) >= criterion * outputs): finite outputs let ages near the edge in.
      const int k_min = static_cast<int>(std::ceil(ao.criterion * outputs - 1e-9));
      double expected = 0.0;
      for (Eigen::Index i = 0; i < r.age.size(); ++i) {
        const double p = r.recall_theory(i);
        expected += binomial_tail(outputs, p, k_min);
        // Compared only where the binomial is close to normal (outputs min(p, 1 - p) >= 5): near p = 1 a
        // single wrong bit would read as many standard errors.
        sem(i) = outputs * std::min(p, 1.0 - p) >= 5.0 ? std::sqrt(p * (1.0 - p) / outputs) : kNaN;
        a_family.push_back(static_cast<double>(k));
        a_inputs.push_back(inputs[j]);
        a_age.push_back(r.age(i));
        a_mean.push_back(r.recall_mean(i));
        a_sem.push_back(std::sqrt(std::max(r.recall_mean(i) * (1.0 - r.recall_mean(i)), 0.0) / outputs));
        a_theory.push_back(p);
      }
      accumulate(st, compare(column(r.recall_mean), column(sem), column(r.recall_theory), 0));
      r_family.push_back(static_cast<double>(k));
      r_inputs.push_back(inputs[j]);
      r_sim.push_back(r.retrieved);
      r_theory.push_back(r.retrieved_theory);
      r_expected.push_back(expected);
      counts.push_back({{"family", nets[k].first},
                        {"inputs", inputs[j]},
                        {"retrieved", r.retrieved},
                        {"expected", expected},
                        {"theory", r.retrieved_theory}});
    }
    per_net[nets[k].first] = to_json(st);
  }
  io::table recall;
  recall.add("family", a_family);
  recall.add("inputs", a_inputs);
  recall.add("age", a_age);
  recall.add("recall_mean", a_mean);
  recall.add("recall_sem", a_sem);
  recall.add("recall_theory", a_theory);
  io::write_csv(ctx.file("recall.csv"), recall);
  io::table retrieved;
  retrieved.add("family", r_family);
  retrieved.add("inputs", r_inputs);
  retrieved.add("retrieved", r_sim);
  retrieved.add("retrieved_theory", r_theory);
  retrieved.add("retrieved_expected", r_expected);
  io::write_csv(ctx.file("retrieved.csv"), retrieved);

  std::vector<std::string> net_labels;
  for (const auto& n : nets) net_labels.push_back(n.first);
  reproduction_output out;
  out.config = {{"families", families},      {"states", so.states},     {"fixed_q", so.fixed_q},
                {"threshold", so.threshold}, {"N_values", so.N_values}, {"network_families", net_labels},
                {"inputs", inputs},          {"outputs", outputs},      {"patterns", max_age},
                {"max_age", max_age},        {"criterion", 0.9},        {"width", inputs.back()},
                {"simulation_seeds", seeds}};
  out.agreement = {{"recall", per_net},
                   {"retrieved", counts},
                   {"replicates", outputs},
                   {"fits", fits},
                   {"compared",
                    "fraction of correctly recalled bits per pattern age (outputs bits per network) vs the exact "
                    "binomial tail of the single-synapse signal, where outputs min(p, 1 - p) >= 5; the binomial "
                    "standard error ignores that a pattern's overlaps with later patterns are shared by all outputs "
                    "(its recall probability varies from pattern to pattern), so z is overstated near the "
                    "retrieval edge"}};
  out.extra = {{"files",
                {{"scaling.csv",
                  "per family (index into config.families) and N: best parameter, best lifetime, and "
                  "the frontier's lifetime bound for M = config.states"},
                 {"recall.csv",
                  "associative memory: per family (config.network_families), inputs and age: recalled "
                  "fraction (mean, binomial standard error) and theory"},
                 {"retrieved.csv",
                  "patterns retrieved at the criterion per family and inputs: simulation, theory (ages whose "
                  "exact recall reaches it) and the expected count for the finite number of outputs"}}}};
  return out;
}

}  // namespace

std::vector<reproduction_entry> synapses_reproductions() {
  return {
      {"memory_curves", "Memory curves of cascade and serial synapses (Lahiri & Ganguli 2013, Fig. 1c)",
       &memory_curves},
      {"memory_frontier",
       "The memory frontier with hand-designed and optimised synapses (Lahiri & Ganguli 2013, Fig. 5a)",
       &memory_frontier},
      {"benna_fusi_decay", "Power-law forgetting of the Benna-Fusi synapse vs cascade and binary (Benna & Fusi 2016)",
       &benna_fusi_decay},
      {"lifetime_scaling", "Memory lifetime against N per synapse family, and an associative memory built on them",
       &lifetime_scaling},
  };
}

}  // namespace nt::reproduce::detail
