// neurotheory deeplinear <modes | simulate | semantics | illusory | hierarchy | learning-time |
// generalization | spiked | coherence>: exact learning dynamics of deep linear networks next to gradient
// descent (Saxe, McClelland & Ganguli 2014, 2019), semantic development on the living-things data and
// branching-diffusion hierarchies, and generalization dynamics (Advani & Saxe 2017; Lampinen & Ganguli
// 2019). Sum convention throughout (loss 1/2 sum_mu, tau = 1/eta: n steps = time n*eta); flags come from
// the options structs' visit() lists.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/SVD>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/io.hpp"
#include "neurotheory/deeplinear/data.hpp"
#include "neurotheory/deeplinear/dynamics.hpp"
#include "neurotheory/deeplinear/generalization.hpp"
#include "neurotheory/deeplinear/semantics.hpp"
#include "neurotheory/deeplinear/simulate.hpp"

#include "cli_common.hpp"

namespace nt::cli {
namespace {

namespace dl = nt::deeplinear;
namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr double kInf = std::numeric_limits<double>::infinity();

json numbers(const Eigen::VectorXd& v) {
  json a = json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) a.push_back(number(v[i]));
  return a;
}

std::vector<double> column_of(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

// The data set of a command: a named one, a branching-diffusion sample, or an item table (CSV).
struct dataset_choice {
  std::string dataset = "living-things";
  dl::hierarchy_options hierarchy;

  void validate() const {
    if (dataset == "branching-diffusion" || dataset == "branching_diffusion") {
      hierarchy.validate();
    } else if (dataset.size() > 4 && dataset.substr(dataset.size() - 4) == ".csv") {
      std::error_code ec;
      if (!fs::is_regular_file(dataset, ec))
        throw invalid_argument("dataset", dataset, "names a CSV file that does not exist");
    } else if (dataset != "living-things" && dataset != "living_things" && dataset != "four-items" &&
               dataset != "four_items") {
      throw invalid_argument(
          "dataset", dataset,
          "must be living-things, four-items, branching-diffusion or a path to an item table (.csv)");
    }
  }
  template <class V>
  void visit(V&& v) {
    v("dataset", dataset,
      "living-things, four-items, branching-diffusion (--branching --levels --flip --features) or an item table .csv");
    v("branching", hierarchy.branching, "branching-diffusion: branching factor B (>= 2)");
    v("levels", hierarchy.levels, "branching-diffusion: levels L (items = B^L)");
    v("flip", hierarchy.flip, "branching-diffusion: sign-flip probability per edge (0..0.5)");
    v("features", hierarchy.features, "branching-diffusion: number of features N_f");
    v("data_seed", hierarchy.seed, "branching-diffusion: seed of the sampled features");
  }
  [[nodiscard]] dl::dataset build() const {
    if (dataset == "branching-diffusion" || dataset == "branching_diffusion") return dl::branching_diffusion(hierarchy);
    if (dataset.size() > 4 && dataset.substr(dataset.size() - 4) == ".csv") return dl::read_item_table(dataset);
    return dl::dataset_by_name(dataset);
  }
};

std::vector<int> layer_widths(const dl::dataset& data, int depth, int width) {
  std::vector<int> w{static_cast<int>(data.inputs.rows())};
  for (int l = 1; l < depth; ++l) w.push_back(width);
  w.push_back(data.features());
  return w;
}

// Slowest mode's time to 99% of its singular value from a0 (the default length of a run).
double default_t_max(const Eigen::VectorXd& s, double a0, int depth) {
  double s_min = kInf;
  for (Eigen::Index i = 0; i < s.size(); ++i) {
    if (s[i] > 1e-9 * s[0]) s_min = std::min(s_min, s[i]);
  }
  if (!std::isfinite(s_min)) return 10.0;
  if (depth == 1 || !(a0 > 0) || a0 >= 0.99 * s_min) return 1.2 * std::log(100.0);
  return 1.2 * dl::learning_time(depth, s_min, a0, 0.99 * s_min);
}

// ---------------------------------------------------------------------------------------------
// modes: closed-form mode strengths next to gradient descent.

struct modes_command_options {
  dataset_choice data;
  int depth = 2;
  double a0 = 1e-3;
  double t_max = 0;
  int points = 200;
  bool simulate = true;
  int width = 16;
  std::string activation = "linear";
  std::string init = "balanced";
  double init_scale = 0.01;
  double learning_rate = 0;
  std::uint64_t seed = 1;

  void validate() const {
    data.validate();
    require_in_range("depth", depth, 1, 64);
    require_positive("a0", a0);
    require_nonnegative("t_max", t_max);
    require_in_range("points", points, 2, 1000000);
    require_in_range("width", width, 1, 100000);
    if (activation != "linear" && activation != "tanh" && activation != "relu") {
      throw invalid_argument("activation", activation, "must be linear, tanh or relu");
    }
    if (init != "balanced" && init != "small_gaussian" && init != "orthogonal") {
      throw invalid_argument("init", init, "must be balanced, small_gaussian or orthogonal");
    }
    require_positive("init_scale", init_scale);
    require_nonnegative("learning_rate", learning_rate);
  }
  template <class V>
  void visit(V&& v) {
    data.visit(v);
    v("depth", depth, "number of weight matrices D (1 = shallow)");
    v("a0", a0, "initial composite strength of every mode (theory; the balanced init starts there)");
    v("t_max", t_max, "last time t/tau (0: until the slowest mode is within 1% of its singular value)");
    v("points", points, "time points of the theory curves");
    v("simulate", simulate, "also run gradient descent and compare");
    v("width", width, "hidden width of the simulated network");
    v("activation", activation, "hidden nonlinearity of the simulated network: linear, tanh or relu");
    v("init", init,
      "initial weights: balanced (decoupled at a0: the theory exactly), small_gaussian (entries N(0, init_scale^2)) "
      "or orthogonal (gain init_scale)");
    v("init_scale", init_scale, "small_gaussian: entry standard deviation; orthogonal: per-layer gain");
    v("learning_rate", learning_rate, "GD step eta (0: 1e-3 / s_max, so the Euler error ~ 3 eta s_max is ~0.3%)");
    v("seed", seed, "seed of the initial weights");
  }
};

void add_modes(CLI::App& group) {
  add_command<modes_command_options>(
      group, "modes",
      "mode strengths a_alpha(t) = u_alpha^T W_tot v_alpha: closed form (S14/S19) next to gradient descent",
      [](const modes_command_options& o, const output_flags& flags) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto data = o.data.build();
        const auto c = dl::correlations(data);
        if (!c.whitened)
          throw invalid_argument("dataset", data.name, "must have whitened (one-hot) inputs for the closed form");
        const Eigen::Index r = c.s.size();
        const double t_max = o.t_max > 0 ? o.t_max : default_t_max(c.s, o.a0, o.depth);
        const Eigen::VectorXd times = Eigen::VectorXd::LinSpaced(o.points, 0.0, t_max);
        Eigen::VectorXd a0 = Eigen::VectorXd::Constant(r, o.a0);
        const fs::path dir = flags.out;
        json results{{"depth", o.depth},
                     {"modes", r},
                     {"t_max", t_max},
                     {"singular_values", numbers(c.s)},
                     {"simulated", false}};
        std::vector<std::string> summary{fmt::format("{}: {} modes, s = {:.4g} ... {:.4g}, depth D = {}", data.name, r,
                                                     c.s[0], c.s[r - 1], o.depth)};
        std::string a0_rule = "a0 (every mode)";
        if (o.simulate) {
          dl::network_options net;
          net.widths = layer_widths(data, o.depth, o.width);
          net.activation = o.activation;
          net.init = o.init;
          net.init_scale = o.init == "balanced" ? o.a0 : o.init_scale;
          net.seed = o.seed;
          dl::training_options tr;
          const double s_max = std::max(c.s[0], 1e-12);
          tr.learning_rate = o.learning_rate > 0
                                 ? o.learning_rate
                                 : std::min(1e-3 / s_max, 0.5 * dl::max_stable_learning_rate(o.depth, s_max));
          tr.steps = std::max(1L, static_cast<long>(std::ceil(t_max / tr.learning_rate)));
          tr.record_every = std::max(1L, tr.steps / 200);
          tr.record_hidden = false;
          const auto sim = dl::simulate(data, net, tr);
          // The theory's initial strengths for this init (notes 1.4): the balanced init is exact; a small
          // Gaussian two-layer init has a0_eff = |W1 v + W2^T u|^2 / 4; a shallow net is linear in W, so the
          // raw projection is exact; otherwise the raw projection of W_tot(0) (approximate).
          if (o.init == "small_gaussian" && o.depth == 2) {
            a0 = dl::effective_a0(sim.initial_weights[0], sim.initial_weights[1], c.u, c.v);
            a0_rule = "a0_eff = |W1(0) v + W2(0)^T u|^2 / 4 per mode (notes 1.4)";
          } else if (o.init != "balanced") {
            Eigen::MatrixXd w = sim.initial_weights[0];
            for (std::size_t l = 1; l < sim.initial_weights.size(); ++l) w = sim.initial_weights[l] * w;
            for (Eigen::Index k = 0; k < r; ++k) {
              const double p = c.u.col(k).dot(w * c.v.col(k));
              a0[k] = o.depth == 1 ? p : std::max(std::abs(p), 1e-300);
            }
            a0_rule = o.depth == 1 ? "u^T W(0) v (exact for the shallow net)"
                                   : "|u^T W_tot(0) v| per mode (approximate for non-balanced deep init)";
          }
          const Eigen::MatrixXd at_records = dl::mode_trajectories(c.s, a0, sim.times, o.depth);
          io::write_npy(dir / "simulation_times.npy", Eigen::ArrayXd(sim.times.array()));
          io::write_npy(dir / "simulation.npy", Eigen::ArrayXXd(sim.mode_strengths.array()));
          io::write_npy(dir / "theory_at_records.npy", Eigen::ArrayXXd(at_records.array()));
          io::write_npy(dir / "simulation_loss.npy", Eigen::ArrayXd(sim.loss.array()));
          io::table t;
          std::vector<double> tt, mm, ss, th, si;
          for (Eigen::Index k = 0; k < sim.times.size(); ++k) {
            for (Eigen::Index m = 0; m < r; ++m) {
              tt.push_back(sim.times[k]);
              mm.push_back(static_cast<double>(m));
              ss.push_back(c.s[m]);
              th.push_back(at_records(k, m));
              si.push_back(sim.mode_strengths(k, m));
            }
          }
          t.add("time", tt);
          t.add("mode", mm);
          t.add("singular_value", ss);
          t.add("theory", th);
          t.add("simulation", si);
          io::write_csv(dir / "modes.csv", t);
          double max_dev = 0;
          for (Eigen::Index m = 0; m < r; ++m) {
            if (c.s[m] <= 1e-9 * c.s[0]) continue;
            const Eigen::Index rows = std::min<Eigen::Index>(sim.mode_strengths.rows(), at_records.rows());
            const double dev =
                (sim.mode_strengths.col(m).head(rows) - at_records.col(m).head(rows)).cwiseAbs().maxCoeff();
            max_dev = std::max(max_dev, dev / c.s[m]);
          }
          results["simulated"] = true;
          results["status"] = sim.status;
          results["learning_rate"] = tr.learning_rate;
          results["steps"] = sim.steps_done;
          results["max_relative_deviation"] = number(max_dev);
          results["euler_scale"] = tr.learning_rate * s_max;
          results["loss_final"] = number(sim.loss[sim.loss.size() - 1]);
          summary.push_back(fmt::format(
              "  gradient descent ({} init, {}, width {}): {} steps of eta = {:.3g}; max |a_sim - a_theory| / s = "
              "{:.3g} "
              "(eta s_max = {:.3g})",
              o.init, o.activation, o.width, sim.steps_done, tr.learning_rate, max_dev, tr.learning_rate * s_max));
        }
        const Eigen::MatrixXd theory = dl::mode_trajectories(c.s, a0, times, o.depth);
        io::write_npy(dir / "times.npy", Eigen::ArrayXd(times.array()));
        io::write_npy(dir / "theory.npy", Eigen::ArrayXXd(theory.array()));
        io::write_npy(dir / "singular_values.npy", Eigen::ArrayXd(c.s.array()));
        io::write_npy(dir / "a0.npy", Eigen::ArrayXd(a0.array()));
        Eigen::VectorXd half(r);
        for (Eigen::Index m = 0; m < r; ++m) {
          half[m] = (c.s[m] > 0 && a0[m] > 0 && a0[m] < c.s[m] && (o.depth >= 2 || a0[m] < c.s[m] / 2))
                        ? (o.depth == 1 ? std::log((c.s[m] - a0[m]) / (c.s[m] / 2))
                                        : dl::half_learning_time(c.s[m], a0[m], o.depth))
                        : std::numeric_limits<double>::quiet_NaN();
        }
        results["half_learning_times"] = numbers(half);
        results["theory_a0"] = a0_rule;
        results["seconds"] = seconds_since(t0);
        summary.push_back(fmt::format("  half-learning times (theory): {:.4g} (mode 1) ... {:.4g} (mode {})", half[0],
                                      half[r - 1], r));
        write_meta(dir, "deeplinear modes", to_json(o), results);
        emit(flags, results, to_json(o), summary);
      });
}

// ---------------------------------------------------------------------------------------------
// simulate: gradient descent (or RK4 flow) of a deep linear / tanh / relu network.

struct simulate_command_options {
  dataset_choice data;
  int depth = 2;
  int width = 16;
  std::string activation = "linear";
  std::string init = "small_gaussian";
  double init_scale = 0.01;
  std::uint64_t seed = 1;
  dl::training_options training;

  void validate() const {
    data.validate();
    require_in_range("depth", depth, 1, 64);
    require_in_range("width", width, 1, 100000);
    dl::network_options n;
    n.widths = {1, 1};
    n.activation = activation;
    n.init = init;
    n.init_scale = init_scale;
    n.seed = seed;
    n.validate();
    if (init == "given")
      throw invalid_argument("init", init, "must be small_gaussian, balanced or orthogonal (given weights: Python)");
    training.validate();
  }
  template <class V>
  void visit(V&& v) {
    data.visit(v);
    v("depth", depth, "number of weight matrices D (1 = shallow)");
    v("width", width, "width of every hidden layer");
    v("activation", activation, "hidden nonlinearity: linear, tanh or relu");
    v("init", init, "initial weights: small_gaussian, balanced or orthogonal");
    v("init_scale", init_scale,
      "small_gaussian: entry standard deviation; balanced: initial mode strength a0; orthogonal: per-layer gain");
    v("seed", seed, "seed of the initial weights");
    training.visit(v);
  }
};

void add_simulate(CLI::App& group) {
  add_command<simulate_command_options>(
      group, "simulate",
      "full-batch gradient descent (or RK4 gradient flow) of a deep linear / tanh / relu network: loss, mode "
      "strengths on the target's singular vectors, hidden representations",
      [](const simulate_command_options& o, const output_flags& flags) {
        const auto data = o.data.build();
        dl::network_options net;
        net.widths = layer_widths(data, o.depth, o.width);
        net.activation = o.activation;
        net.init = o.init;
        net.init_scale = o.init_scale;
        net.seed = o.seed;
        const auto t0 = std::chrono::steady_clock::now();
        const auto sim = dl::simulate(data, net, o.training);
        const double seconds = seconds_since(t0);
        const fs::path dir = flags.out;
        io::table t;
        t.add("step", column_of(sim.steps));
        t.add("time", column_of(sim.times));
        t.add("loss", column_of(sim.loss));
        io::write_csv(dir / "records.csv", t);
        io::write_npy(dir / "times.npy", Eigen::ArrayXd(sim.times.array()));
        io::write_npy(dir / "loss.npy", Eigen::ArrayXd(sim.loss.array()));
        io::write_npy(dir / "mode_strengths.npy", Eigen::ArrayXXd(sim.mode_strengths.array()));
        io::write_npy(dir / "singular_values.npy", Eigen::ArrayXd(sim.singular_values.array()));
        for (std::size_t l = 0; l < sim.weights.size(); ++l) {
          io::write_npy(dir / fmt::format("weights_{}.npy", l + 1), Eigen::ArrayXXd(sim.weights[l].array()));
        }
        if (!sim.hidden.empty()) {
          for (std::size_t l = 0; l < sim.hidden.back().size(); ++l) {
            io::write_npy(dir / fmt::format("hidden_{}.npy", l + 1), Eigen::ArrayXXd(sim.hidden.back()[l].array()));
          }
        }
        const Eigen::Index last = sim.loss.size() - 1;
        json results{{"status", sim.status},
                     {"steps_done", sim.steps_done},
                     {"time_final", number(sim.times[last])},
                     {"loss_initial", number(sim.loss[0])},
                     {"loss_final", number(sim.loss[last])},
                     {"mode_strengths_final", numbers(sim.mode_strengths.row(last).transpose())},
                     {"singular_values", numbers(sim.singular_values)},
                     {"reduced_output", sim.reduced_output},
                     {"seconds", seconds}};
        // Conservation law of the linear flow (notes 1.4): drift of W_{l+1}^T W_{l+1} - W_l W_l^T, O(eta) under GD.
        if (o.activation == "linear" && o.depth >= 2 && sim.status == "completed") {
          const auto q0 = dl::conserved_quantities(sim.initial_weights);
          const auto q1 = dl::conserved_quantities(sim.weights);
          double drift = 0;
          for (std::size_t l = 0; l < q0.size(); ++l) drift = std::max(drift, (q1[l] - q0[l]).cwiseAbs().maxCoeff());
          results["conserved_drift"] = number(drift);
        }
        write_meta(dir, "deeplinear simulate", to_json(o), results);
        emit(flags, results, to_json(o),
             {fmt::format("{}: D = {} ({}, width {}, {} init), {} steps of eta = {:.3g} ({}): loss {:.6g} -> {:.6g} "
                          "({:.3g} s)",
                          data.name, o.depth, o.activation, o.width, o.init, sim.steps_done, o.training.learning_rate,
                          sim.status, sim.loss[0], sim.loss[last], seconds)});
      });
}

// ---------------------------------------------------------------------------------------------
// semantics: representations, similarity, MDS, predictions, typicality, inductive projection at a time t.

struct semantics_command_options {
  dataset_choice data;
  int depth = 2;
  double a0 = 1e-3;
  double time = 2.0;
  int layer = 1;
  double t_max = 0;
  int frames = 60;
  std::string novel_property_item;
  std::string novel_item_feature;

  void validate() const {
    data.validate();
    require_in_range("depth", depth, 2, 64);
    require_positive("a0", a0);
    if (!(time >= 0) || std::isnan(time) || !std::isfinite(time))
      throw invalid_argument("time", format_value(time), "must be finite and >= 0");
    require_in_range("layer", layer, 1, depth - 1);
    require_nonnegative("t_max", t_max);
    require_in_range("frames", frames, 2, 100000);
  }
  template <class V>
  void visit(V&& v) {
    data.visit(v);
    v("depth", depth, "number of weight matrices D (>= 2: a hidden layer)");
    v("a0", a0, "initial strength of every mode (small balanced init)");
    v("time", time, "developmental time t/tau of the snapshot");
    v("layer", layer, "hidden layer of the representations (1..D-1)");
    v("t_max", t_max, "end of the MDS trajectory (0: until the slowest mode is learned)");
    v("frames", frames, "time points of the MDS trajectory");
    v("novel_property_item", novel_property_item, "teach a novel property on this item (name or index; empty: skip)");
    v("novel_item_feature", novel_item_feature, "a novel item with this familiar feature (name or index; empty: skip)");
  }
};

void add_semantics(CLI::App& group) {
  add_command<semantics_command_options>(
      group, "semantics",
      "semantic development (S19) at time t: hidden similarity, MDS trajectory, predictions, typicality, inductive "
      "projection",
      [](const semantics_command_options& o, const output_flags& flags) {
        const auto data = o.data.build();
        const auto c = dl::correlations(data);
        const fs::path dir = flags.out;
        int prop_item = -1, item_feature = -1;
        if (!o.novel_property_item.empty()) prop_item = dl::item_index(data, o.novel_property_item);
        if (!o.novel_item_feature.empty()) item_feature = dl::feature_index(data, o.novel_item_feature);
        const Eigen::VectorXd strengths = dl::mode_strengths(data, o.time, o.a0, o.depth);
        const Eigen::MatrixXd hidden = dl::hidden_representations(data, o.time, o.a0, o.depth, o.layer);
        const Eigen::MatrixXd rsm_h = dl::representational_similarity(data, o.time, o.a0, o.depth, "hidden");
        const Eigen::MatrixXd rsm_o = dl::representational_similarity(data, o.time, o.a0, o.depth, "output");
        const Eigen::MatrixXd mds = dl::mds_coordinates(data, o.time, o.a0, o.depth, 2);
        const Eigen::MatrixXd out = dl::predicted_outputs(data, o.time, o.a0, o.depth);
        const Eigen::Index r = c.s.size();
        Eigen::MatrixXd typ(r, data.items());
        for (Eigen::Index m = 0; m < r; ++m) typ.row(m) = dl::typicality(data, static_cast<int>(m)).transpose();
        const double t_max = o.t_max > 0 ? o.t_max : default_t_max(c.s, o.a0, o.depth);
        const Eigen::VectorXd frames = Eigen::VectorXd::LinSpaced(o.frames, 0.0, t_max);
        const auto traj = dl::mds_trajectory(data, frames, o.a0, o.depth, 2);
        io::write_npy(dir / "mode_strengths.npy", Eigen::ArrayXd(strengths.array()));
        io::write_npy(dir / "hidden.npy", Eigen::ArrayXXd(hidden.array()));
        io::write_npy(dir / "rsm_hidden.npy", Eigen::ArrayXXd(rsm_h.array()));
        io::write_npy(dir / "rsm_output.npy", Eigen::ArrayXXd(rsm_o.array()));
        io::write_npy(dir / "mds.npy", Eigen::ArrayXXd(mds.array()));
        io::write_npy(dir / "predicted_outputs.npy", Eigen::ArrayXXd(out.array()));
        io::write_npy(dir / "typicality.npy", Eigen::ArrayXXd(typ.array()));
        io::table mt;
        std::vector<double> ft, fi, fx, fy;
        for (std::size_t k = 0; k < traj.size(); ++k) {
          for (Eigen::Index i = 0; i < traj[k].rows(); ++i) {
            ft.push_back(frames[static_cast<Eigen::Index>(k)]);
            fi.push_back(static_cast<double>(i));
            fx.push_back(traj[k](i, 0));
            fy.push_back(traj[k].cols() > 1 ? traj[k](i, 1) : 0.0);
          }
        }
        mt.add("time", ft);
        mt.add("item", fi);
        mt.add("x", fx);
        mt.add("y", fy);
        io::write_csv(dir / "mds_trajectory.csv", mt);
        json results{{"time", o.time},
                     {"items", data.item_names},
                     {"features", data.features()},
                     {"mode_strengths", numbers(strengths)},
                     {"singular_values", numbers(c.s)}};
        std::vector<std::string> summary{
            fmt::format("{} at t = {}: mode strengths {:.4g} ... {:.4g} (of s = {:.4g} ... {:.4g})", data.name, o.time,
                        strengths[0], strengths[r - 1], c.s[0], c.s[r - 1])};
        if (prop_item >= 0) {
          const Eigen::VectorXd p = dl::novel_property_projection(data, prop_item, o.time, o.a0, o.depth);
          io::write_npy(dir / "novel_property.npy", Eigen::ArrayXd(p.array()));
          results["novel_property"] = numbers(p);
          summary.push_back(fmt::format("  a novel property taught on {} generalizes to the items as {}",
                                        data.item_names[prop_item], results["novel_property"].dump()));
        }
        if (item_feature >= 0) {
          const Eigen::VectorXd p = dl::novel_item_projection(data, item_feature, o.time, o.a0, o.depth);
          io::write_npy(dir / "novel_item.npy", Eigen::ArrayXd(p.array()));
          results["novel_item"] = numbers(p);
        }
        write_meta(dir, "deeplinear semantics", to_json(o), results);
        emit(flags, results, to_json(o), summary);
      });
}

// ---------------------------------------------------------------------------------------------
// illusory: one item's predicted attribute over development (rise and fall).

struct illusory_command_options {
  dataset_choice data;
  std::string item;
  std::string attribute;
  double a0 = 1e-3;
  int depth = 2;
  int points = 400;

  void validate() const {
    data.validate();
    require_positive("a0", a0);
    require_in_range("depth", depth, 1, 64);
    require_in_range("points", points, 2, 1000000);
    if (item.empty() != attribute.empty()) {
      throw invalid_argument(item.empty() ? "item" : "attribute", "\"\"",
                             "give both --item and --attribute (or neither: the largest illusory correlation)");
    }
  }
  template <class V>
  void visit(V&& v) {
    data.visit(v);
    v("item", item, "the item (name or 0-based index; empty: the largest illusory correlation of the data set)");
    v("attribute", attribute, "the attribute / feature (name or 0-based index)");
    v("a0", a0, "initial strength of every mode (small balanced init)");
    v("depth", depth, "number of weight matrices D");
    v("points", points, "time points of the written curve");
  }
};

void add_illusory(CLI::App& group) {
  add_command<illusory_command_options>(
      group, "illusory",
      "illusory correlations (S19): an item's predicted attribute rises with its category, then falls",
      [](const illusory_command_options& o, const output_flags& flags) {
        const auto data = o.data.build();
        dl::illusory_result r;
        if (o.item.empty()) {
          const auto all = dl::find_illusory_correlations(data, o.a0, o.depth, 0.0);
          if (all.empty()) throw invalid_argument("dataset", data.name, "shows no illusory correlation");
          r = all.front();
        } else {
          const int item = dl::item_index(data, o.item);
          int feature = 0;
          try {
            feature = dl::feature_index(data, o.attribute);
          } catch (const invalid_argument& e) {
            throw invalid_argument("attribute", o.attribute, std::string("unknown (") + e.what() + ")");
          }
          r = dl::illusory_correlation(data, item, feature, o.a0, o.depth);
        }
        const auto c = dl::correlations(data);
        const double t_end =
            std::max(default_t_max(c.s, o.a0, o.depth), std::isfinite(r.peak_time) ? 2.0 * r.peak_time : 0.0);
        const Eigen::VectorXd times = Eigen::VectorXd::LinSpaced(o.points, 0.0, t_end);
        const Eigen::VectorXd curve = dl::predicted_output_trajectory(data, r.item, r.feature, times, o.a0, o.depth);
        const fs::path dir = flags.out;
        io::table t;
        t.add("time", column_of(times));
        t.add("prediction", column_of(curve));
        io::write_csv(dir / "curve.csv", t);
        const json results{{"item", data.item_names[r.item]},
                           {"attribute", data.feature_names[r.feature]},
                           {"item_index", r.item},
                           {"attribute_index", r.feature},
                           {"peak_value", number(r.peak_value)},
                           {"peak_time", number(r.peak_time)},
                           {"trough_value", number(r.trough_value)},
                           {"trough_time", number(r.trough_time)},
                           {"initial_value", number(r.initial_value)},
                           {"final_value", number(r.final_value)},
                           {"target", data.targets(r.feature, r.item)},
                           {"overshoot", number(r.overshoot)}};
        write_meta(dir, "deeplinear illusory", to_json(o), results);
        emit(flags, results, to_json(o),
             {fmt::format("{} / {}: prediction peaks at {:.4g} at t = {:.4g}, ends at {:.4g} (target {:g})",
                          data.item_names[r.item], data.feature_names[r.feature], r.peak_value, r.peak_time,
                          r.final_value, data.targets(r.feature, r.item))});
      });
}

// ---------------------------------------------------------------------------------------------
// hierarchy: analytic item-covariance eigenvalues of branching-diffusion data, next to a sample.

struct hierarchy_command_options {
  dl::hierarchy_options hierarchy;
  bool sample = true;

  void validate() const {
    hierarchy.validate();
    const double items = std::pow(static_cast<double>(hierarchy.branching), hierarchy.levels);
    if (sample && items * hierarchy.features > 5e8) {
      throw invalid_argument("features", std::to_string(hierarchy.features),
                             "too large a sample (items x features must stay below 5e8; --no-sample for the theory)");
    }
  }
  template <class V>
  void visit(V&& v) {
    hierarchy.visit(v);
    v("sample", sample, "also sample the data and compare its singular values by level");
  }
};

void add_hierarchy(CLI::App& group) {
  add_command<hierarchy_command_options>(
      group, "hierarchy",
      "branching-diffusion data (S19): analytic item-covariance eigenvalues per level, singular values, sample",
      [](const hierarchy_command_options& o, const output_flags& flags) {
        const Eigen::VectorXd lambda = dl::hierarchy_eigenvalues(o.hierarchy);
        const Eigen::VectorXi mult = dl::hierarchy_multiplicities(o.hierarchy);
        const Eigen::VectorXd sv = dl::hierarchy_singular_values(o.hierarchy);
        const fs::path dir = flags.out;
        io::write_npy(dir / "covariance.npy", Eigen::ArrayXXd(dl::hierarchy_covariance(o.hierarchy).array()));
        json results{{"eigenvalues", numbers(lambda)},
                     {"multiplicities", std::vector<int>(mult.data(), mult.data() + mult.size())},
                     {"singular_values", numbers(sv)},
                     {"items", mult.sum()},
                     {"q", std::pow(1.0 - 2.0 * o.hierarchy.flip, 2)}};
        io::table t;
        std::vector<double> level(static_cast<std::size_t>(lambda.size()));
        for (std::size_t k = 0; k < level.size(); ++k) level[k] = static_cast<double>(k);
        t.add("level", level);
        t.add("multiplicity", std::vector<double>(mult.data(), mult.data() + mult.size()));
        t.add("eigenvalue", column_of(lambda));
        t.add("singular_value", column_of(sv));
        std::vector<std::string> summary{
            fmt::format("B = {}, L = {}, eps = {}: item-covariance eigenvalues by level {}", o.hierarchy.branching,
                        o.hierarchy.levels, o.hierarchy.flip, results["eigenvalues"].dump())};
        if (o.sample) {
          const auto data = dl::branching_diffusion(o.hierarchy);
          const Eigen::VectorXd s = Eigen::JacobiSVD<Eigen::MatrixXd>(data.targets).singularValues();
          io::write_npy(dir / "sample_singular_values.npy", Eigen::ArrayXd(s.array()));
          io::write_npy(dir / "sample_covariance.npy",
                        Eigen::ArrayXXd((data.targets.transpose() * data.targets / o.hierarchy.features).array()));
          // Levels in order of decreasing eigenvalue (notes 2.4: strictly decreasing for eps < 1/2): the
          // sorted sample singular values are grouped by the multiplicities.
          Eigen::VectorXd by_level(lambda.size());
          Eigen::Index at = 0;
          for (Eigen::Index k = 0; k < lambda.size(); ++k) {
            by_level[k] = s.segment(at, mult[k]).mean();
            at += mult[k];
          }
          t.add("sample_singular_value", column_of(by_level));
          results["sample_singular_values"] = numbers(by_level);
          summary.push_back(fmt::format(
              "  singular values sqrt(N_f lambda_k) {} ; sampled (N_f = {}, mean per level) {}",
              results["singular_values"].dump(), o.hierarchy.features, results["sample_singular_values"].dump()));
        }
        io::write_csv(dir / "levels.csv", t);
        write_meta(dir, "deeplinear hierarchy", to_json(o), results);
        emit(flags, results, to_json(o), summary);
      });
}

// ---------------------------------------------------------------------------------------------
// learning-time: gradient-flow time for a balanced mode from u0 to uf.

void add_learning_time(CLI::App& group) {
  add_command<dl::learning_time_options>(
      group, "learning-time",
      "gradient-flow time (tau = 1) for a balanced mode of a depth-D linear net to grow from u0 to uf (S14)",
      [](const dl::learning_time_options& o, const output_flags& flags) {
        const double t = dl::learning_time(o.depth, o.s, o.u0, o.uf);
        json results{{"time", number(t)},
                     {"max_stable_learning_rate", number(dl::max_stable_learning_rate(o.depth, o.s))}};
        std::vector<std::string> summary{
            fmt::format("D = {}, s = {}: u {} -> {} takes t = {} (tau = 1)", o.depth, o.s, o.u0, o.uf, fmt_double(t))};
        if (o.depth >= 3) {
          const double c0 = std::pow(o.u0, 1.0 / o.depth);
          results["small_init_limit"] = number(dl::learning_time_small_init(o.depth, o.s, c0));
          summary.push_back(fmt::format("  small-init limit c0^-(D-2)/((D-2)s) = {}",
                                        fmt_double(results["small_init_limit"].get<double>())));
        }
        results["infinite_depth_limit_times_depth"] = number(dl::learning_time_infinite_depth(o.s, o.u0, o.uf));
        write_meta(flags.out, "deeplinear learning-time", to_json(o), results);
        emit(flags, results, to_json(o), summary);
      });
}

// ---------------------------------------------------------------------------------------------
// generalization: Advani-Saxe train/test error, its curve, optimal early stopping, ridge, teacher-student.

struct generalization_command_options {
  dl::generalization_options problem;
  bool optimal_stopping = false;
  std::vector<double> times;
  double t_min = 0.01;
  double t_max = 1000;
  int points = 100;
  bool simulate = false;
  int inputs = 200;
  int seeds = 16;
  std::uint64_t seed = 1;

  void validate() const {
    problem.validate();
    for (double t : times) {
      if (!(t >= 0) || std::isnan(t)) throw invalid_argument("times", format_value(t), "must be >= 0 (inf allowed)");
    }
    require_positive("t_min", t_min);
    if (!(t_max > t_min) || !std::isfinite(t_max))
      throw invalid_argument("t_max", format_value(t_max), "must be finite and > t_min");
    require_in_range("points", points, 2, 1000000);
    if (simulate) {
      require_in_range("inputs", inputs, 2, 20000);
      require_in_range("seeds", seeds, 1, 100000);
    }
  }
  template <class V>
  void visit(V&& v) {
    problem.visit(v);
    v("optimal_stopping", optimal_stopping, "also find the optimal early-stopping time t* and the error there");
    v("times", times, "times of the written curve (empty: --points log-spaced from --t-min to --t-max)");
    v("t_min", t_min, "first time of the default log grid");
    v("t_max", t_max, "last time of the default log grid");
    v("points", points, "points of the default log grid");
    v("simulate", simulate, "also run the finite teacher-student simulation at the curve's times");
    v("inputs", inputs, "simulation: input dimension N (P = round(alpha N))");
    v("seeds", seeds, "simulation: independent data sets");
    v("seed", seed, "simulation: base seed");
  }
};

void add_generalization(CLI::App& group) {
  add_command<generalization_command_options>(
      group, "generalization",
      "Advani-Saxe generalization dynamics of a linear student (total variance 1, tau = 1): train and test error at "
      "--time (inf: the asymptote), curves, optimal early stopping",
      [](const generalization_command_options& o, const output_flags& flags) {
        const auto r = dl::generalization_error(o.problem);
        const auto v = dl::variances_from_snr(o.problem.snr);
        json results{{"test_error", number(r.test_error)},
                     {"train_error", number(r.train_error)},
                     {"sigma_w2", v.signal},
                     {"sigma_eps2", v.noise}};
        const auto asym = dl::generalization_asymptote(o.problem);
        results["test_error_asymptote"] = number(asym.test_error);
        std::vector<std::string> summary{fmt::format("alpha = {}, SNR = {}, t = {}: train error {}, test error {}",
                                                     o.problem.alpha, o.problem.snr, fmt_double(o.problem.time),
                                                     fmt_double(r.train_error), fmt_double(r.test_error))};
        if (o.optimal_stopping) {
          const auto es = dl::optimal_early_stopping(o.problem);
          const auto ridge = dl::optimal_ridge(o.problem);
          results["t_star"] = number(es.t_star);
          results["test_error_at_t_star"] = number(es.test_error);
          results["train_error_at_t_star"] = number(es.train_error);
          results["optimal_ridge"] = number(ridge.ridge);
          results["test_error_optimal_ridge"] = number(ridge.test_error);
          summary.push_back(fmt::format("  optimal stopping t* = {}: test error {} (optimal ridge {}: {})",
                                        fmt_double(es.t_star), fmt_double(es.test_error), fmt_double(ridge.ridge),
                                        fmt_double(ridge.test_error)));
        }
        const std::vector<double> times = o.times.empty() ? dl::log_time_grid(o.t_min, o.t_max, o.points) : o.times;
        const auto curve = dl::generalization_curve(o.problem, times);
        const fs::path dir = flags.out;
        io::table t;
        t.add("time", to_vector(curve.time));
        t.add("train_error", to_vector(curve.train_error));
        t.add("test_error", to_vector(curve.test_error));
        if (o.simulate) {
          dl::teacher_student_options ts;
          ts.alpha = o.problem.alpha;
          ts.snr = o.problem.snr;
          ts.init_variance = o.problem.init_variance;
          ts.inputs = o.inputs;
          ts.seeds = o.seeds;
          ts.seed = o.seed;
          ts.times = times;
          ts.quadrature = o.problem.quadrature;
          const auto s = dl::simulate_teacher_student(ts);
          t.add("train_mean", to_vector(s.train_mean));
          t.add("train_sem", to_vector(s.train_sem));
          t.add("test_mean", to_vector(s.test_mean));
          t.add("test_sem", to_vector(s.test_sem));
          double max_z = 0;
          for (Eigen::Index k = 0; k < s.time.size(); ++k) {
            if (s.test_sem[k] > 0 && std::isfinite(s.test_theory[k])) {
              max_z = std::max(max_z, std::abs(s.test_mean[k] - s.test_theory[k]) / s.test_sem[k]);
            }
            if (s.train_sem[k] > 0 && std::isfinite(s.train_theory[k])) {
              max_z = std::max(max_z, std::abs(s.train_mean[k] - s.train_theory[k]) / s.train_sem[k]);
            }
          }
          results["simulation"] = {{"examples", s.examples}, {"replicates", s.replicates}, {"max_z", number(max_z)}};
          summary.push_back(fmt::format("  teacher-student simulation (N = {}, P = {}, {} seeds): max |z| = {:.3g}",
                                        o.inputs, s.examples, s.replicates, max_z));
        }
        io::write_csv(dir / "curve.csv", t);
        for (std::size_t j = 0; j < t.names.size(); ++j) {
          io::write_npy(dir / (t.names[j] + ".npy"),
                        Eigen::ArrayXd(Eigen::Map<const Eigen::ArrayXd>(
                            t.columns[j].data(), static_cast<Eigen::Index>(t.columns[j].size()))));
        }
        write_meta(dir, "deeplinear generalization", to_json(o), results);
        emit(flags, results, to_json(o), summary);
      });
}

// ---------------------------------------------------------------------------------------------
// spiked: Lampinen-Ganguli low-rank teacher, deep linear student.

struct spiked_command_options {
  dl::spiked_options model;
  std::vector<double> times;
  double t_max = 20;
  int points = 100;
  bool simulate = false;
  int seeds = 8;
  std::uint64_t seed = 1;

  void validate() const {
    model.validate();
    for (double t : times) {
      if (!(t >= 0) || !std::isfinite(t)) throw invalid_argument("times", format_value(t), "must be finite and >= 0");
    }
    require_positive("t_max", t_max);
    require_in_range("points", points, 2, 1000000);
    if (simulate) require_in_range("seeds", seeds, 1, 100000);
  }
  template <class V>
  void visit(V&& v) {
    model.visit(v);
    v("times", times, "times of the curve (empty: --points evenly from 0 to --t-max)");
    v("t_max", t_max, "last time of the default grid");
    v("points", points, "points of the default grid");
    v("simulate", simulate, "also sample noisy matrices (Monte Carlo of shat, overlap and the errors)");
    v("seeds", seeds, "simulation: sampled matrices");
    v("seed", seed, "simulation: base seed");
  }
};

void add_spiked(CLI::App& group) {
  add_command<spiked_command_options>(
      group, "spiked",
      "Lampinen-Ganguli: low-rank teacher plus noise, deep linear student: visible modes, shat, overlap, train/test "
      "error over time",
      [](const spiked_command_options& o, const output_flags& flags) {
        std::vector<double> times = o.times;
        if (times.empty()) {
          const Eigen::VectorXd g = Eigen::VectorXd::LinSpaced(o.points, 0.0, o.t_max);
          times = column_of(g);
        }
        const auto r = dl::spiked_curve(o.model, times);
        const fs::path dir = flags.out;
        io::table t;
        t.add("time", to_vector(r.time));
        t.add("train_error", to_vector(r.train_error));
        t.add("test_error", to_vector(r.test_error));
        json modes = json::array();
        for (const auto& m : r.modes) {
          modes.push_back(
              {{"sbar", m.sbar}, {"shat", number(m.shat)}, {"overlap", number(m.overlap)}, {"visible", m.visible}});
        }
        json results{{"threshold", number(dl::spiked_threshold(o.model.aspect()))},
                     {"visible", r.visible},
                     {"modes", modes},
                     {"teacher_norm2", number(r.teacher_norm2)},
                     {"bulk_lower", number(r.bulk_lower)},
                     {"bulk_upper", number(r.bulk_upper)},
                     {"test_error_final", number(r.test_error[r.test_error.size() - 1])},
                     {"test_error_min", number(r.test_error.minCoeff())}};
        const auto es = dl::spiked_optimal_stopping(o.model);
        results["t_star"] = number(es.t_star);
        results["test_error_at_t_star"] = number(es.test_error);
        results["shrinkage_test_error"] = number(dl::spiked_shrinkage_error(o.model));
        std::vector<std::string> summary{
            fmt::format("{} of {} teacher modes visible (threshold sbar > {:.4g}); test error "
                        "min {:.4g}, final {:.4g} (||Wbar||^2 = {:.4g})",
                        r.visible, r.modes.size(), dl::spiked_threshold(o.model.aspect()), r.test_error.minCoeff(),
                        r.test_error[r.test_error.size() - 1], r.teacher_norm2)};
        if (o.simulate) {
          dl::spiked_simulation_options so;
          so.model = o.model;
          so.seeds = o.seeds;
          so.seed = o.seed;
          so.times = times;
          const auto s = dl::simulate_spiked(so);
          t.add("train_mean", to_vector(s.train_mean));
          t.add("train_sem", to_vector(s.train_sem));
          t.add("test_mean", to_vector(s.test_mean));
          t.add("test_sem", to_vector(s.test_sem));
          io::table mt;
          mt.add("sbar", o.model.teacher);
          mt.add("shat_theory", to_vector(s.shat_theory));
          mt.add("shat_mean", to_vector(s.shat_mean));
          mt.add("shat_sem", to_vector(s.shat_sem));
          mt.add("overlap_theory", to_vector(s.overlap_theory));
          mt.add("overlap_mean", to_vector(s.overlap_mean));
          mt.add("overlap_sem", to_vector(s.overlap_sem));
          io::write_csv(dir / "modes.csv", mt);
          results["simulation"] = {{"replicates", s.replicates},
                                   {"shat_mean", to_vector(s.shat_mean)},
                                   {"overlap_mean", to_vector(s.overlap_mean)}};
        }
        io::write_csv(dir / "curve.csv", t);
        write_meta(dir, "deeplinear spiked", to_json(o), results);
        emit(flags, results, to_json(o), summary);
      });
}

// ---------------------------------------------------------------------------------------------
// coherence: category coherence and its random-matrix threshold.

struct coherence_command_options {
  dl::coherence_options model;
  bool sample = false;
  std::uint64_t seed = 1;

  void validate() const {
    model.validate();
    if (sample && static_cast<double>(model.items) * model.features > 4e7) {
      throw invalid_argument("items", std::to_string(model.items), "items x features must stay below 4e7 to --sample");
    }
  }
  template <class V>
  void visit(V&& v) {
    model.visit(v);
    v("sample", sample, "also sample the data and measure its top singular value (of Y - q)");
    v("seed", seed, "seed of the sample");
  }
};

void add_coherence(CLI::App& group) {
  add_command<coherence_command_options>(
      group, "coherence",
      "category coherence (S19): whether a category becomes a learnable mode, by spiked random-matrix theory",
      [](const coherence_command_options& o, const output_flags& flags) {
        const auto r = dl::category_coherence(o.model);
        json results{{"coherence", number(r.coherence)},
                     {"learnable", r.learnable},
                     {"theta", number(r.theta)},
                     {"aspect", number(r.aspect)},
                     {"bulk_edge", number(r.bulk_edge)},
                     {"signal", number(r.signal)},
                     {"singular_value", number(r.singular_value)},
                     {"time_scale", number(r.time_scale)}};
        std::vector<std::string> summary{
            fmt::format("coherence C = {:.4g} ({}): mode singular value {:.4g}, bulk edge {:.4g}", r.coherence,
                        r.learnable ? "learnable" : "below threshold", r.singular_value, r.bulk_edge)};
        if (o.sample) {
          const auto data = dl::coherence_dataset(o.model, o.seed);
          const Eigen::MatrixXd centred = data.targets.array() - o.model.q;
          const Eigen::VectorXd s = Eigen::BDCSVD<Eigen::MatrixXd>(centred).singularValues();
          io::write_npy(fs::path(flags.out) / "sample_singular_values.npy", Eigen::ArrayXd(s.array()));
          results["sample_top_singular_value"] = number(s[0]);
          results["sample_second_singular_value"] = number(s.size() > 1 ? s[1] : 0.0);
          summary.push_back(
              fmt::format("  sampled: top singular values {:.4g}, {:.4g}", s[0], s.size() > 1 ? s[1] : 0.0));
        }
        write_meta(flags.out, "deeplinear coherence", to_json(o), results);
        emit(flags, results, to_json(o), summary);
      });
}

}  // namespace

void register_deeplinear(CLI::App& app) {
  auto* group = app.add_subcommand(
      "deeplinear",
      "learning dynamics of deep linear networks, semantic development, generalization dynamics (Saxe et al. 2014, "
      "2019; Advani & Saxe 2017; Lampinen & Ganguli 2019)");
  group->require_subcommand(1);
  add_modes(*group);
  add_simulate(*group);
  add_semantics(*group);
  add_illusory(*group);
  add_hierarchy(*group);
  add_learning_time(*group);
  add_generalization(*group);
  add_spiked(*group);
  add_coherence(*group);
}

}  // namespace nt::cli
