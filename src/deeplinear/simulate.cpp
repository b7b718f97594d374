#include "neurotheory/deeplinear/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <Eigen/QR>

#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/error.hpp"
#include "neurotheory/core/random.hpp"

namespace nt::deeplinear {
namespace {

enum class act_kind { linear, tanh, relu };

act_kind activation_kind(const std::string& name) {
  if (name == "linear") return act_kind::linear;
  if (name == "tanh") return act_kind::tanh;
  if (name == "relu") return act_kind::relu;
  throw invalid_argument("activation", name, "must be one of: linear, tanh, relu");
}

bool known_init(const std::string& name) {
  return name == "small_gaussian" || name == "balanced" || name == "orthogonal" || name == "given";
}

// A loss this large (or non-finite) ends the run as "diverged".
constexpr double divergence_loss = 1e100;
// Largest number of doubles the recorded hidden representations may hold (1 GB).
constexpr double max_recorded_doubles = 1.25e8;

std::vector<long> record_list(const training_options& t) {
  std::vector<long> out;
  if (!t.record_steps.empty()) {
    out = t.record_steps;
  } else {
    const long every = t.record_every > 0 ? t.record_every : std::max(1L, (t.steps + 99) / 100);
    for (long n = 0; n < t.steps; n += every) out.push_back(n);
  }
  out.push_back(0);
  out.push_back(t.steps);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Everything the step loop touches, allocated once. Layer l = 0..D-1 holds W_{l+1}. The last layer's
// weights may be the reduced M (r x N_{D-1}) of W_D = Q M, with the targets reduced to Q^T Y alike.
class engine {
 public:
  engine(const Eigen::MatrixXd& inputs, Eigen::MatrixXd targets, double constant_loss, act_kind act,
         const std::vector<Eigen::MatrixXd>& shapes)
      : x_(inputs), y_(std::move(targets)), constant_loss_(constant_loss), act_(act) {
    depth_ = static_cast<int>(shapes.size());
    const Eigen::Index p = x_.cols();
    identity_input_ = x_.rows() == p && x_.isIdentity(0.0);
    z_.resize(shapes.size());
    h_.resize(shapes.size());
    delta_.resize(shapes.size());
    zp_.assign(shapes.size(), nullptr);
    hp_.assign(shapes.size(), nullptr);
    for (std::size_t l = 0; l < shapes.size(); ++l) {
      z_[l].resize(shapes[l].rows(), p);
      if (act_ != act_kind::linear) h_[l].resize(shapes[l].rows(), p);
      delta_[l].resize(shapes[l].rows(), p);
    }
  }

  // Forward pass with weights w: fills the activities and the output error; returns the loss.
  double forward(const std::vector<Eigen::MatrixXd>& w) {
    const auto d = static_cast<std::size_t>(depth_);
    for (std::size_t l = 0; l < d; ++l) {
      if (l == 0 && identity_input_) {
        zp_[0] = &w[0];  // one-hot items in order: W_1 X = W_1
      } else {
        z_[l].noalias() = w[l] * input(l);
        zp_[l] = &z_[l];
      }
      if (l + 1 == d) break;
      switch (act_) {
        case act_kind::linear:
          hp_[l] = zp_[l];
          break;
        case act_kind::tanh:
          h_[l] = zp_[l]->array().tanh();
          hp_[l] = &h_[l];
          break;
        case act_kind::relu:
          h_[l] = zp_[l]->cwiseMax(0.0);
          hp_[l] = &h_[l];
          break;
      }
    }
    // E = Y - Y_hat is the negative gradient of the sum loss with respect to the output.
    delta_[d - 1] = y_ - *zp_[d - 1];
    return 0.5 * delta_[d - 1].squaredNorm() + constant_loss_;
  }

  // After forward(w): backpropagation of the negative gradient -dL/dW_l = delta_l h_{l-1}^T. With
  // grads == nullptr the step w_l += step * (-dL/dW_l) is applied in place, top layer first: delta_{l-1}
  // needs the old W_l, so W_l is updated right after delta_{l-1} is formed (one fused GEMM each).
  void backward(std::vector<Eigen::MatrixXd>& w, double step, std::vector<Eigen::MatrixXd>* grads) {
    for (int l = depth_ - 1; l >= 0; --l) {
      const auto lu = static_cast<std::size_t>(l);
      if (l > 0) {
        auto& dl = delta_[lu - 1];
        dl.noalias() = w[lu].transpose() * delta_[lu];
        switch (act_) {
          case act_kind::linear:
            break;
          case act_kind::tanh:  // tanh' = 1 - tanh^2
            dl.array() *= 1.0 - h_[lu - 1].array().square();
            break;
          case act_kind::relu:  // relu' = 1[z > 0]
            dl = (zp_[lu - 1]->array() > 0.0).select(dl, 0.0);
            break;
        }
      }
      if (grads != nullptr) {
        auto& g = (*grads)[lu];
        if (l == 0 && identity_input_) {
          g = delta_[0];
        } else {
          g.noalias() = delta_[lu] * input(lu).transpose();
        }
      } else if (l == 0 && identity_input_) {
        w[0] += step * delta_[0];
      } else {
        w[lu].noalias() += step * (delta_[lu] * input(lu).transpose());
      }
    }
  }

  [[nodiscard]] bool identity_input() const { return identity_input_; }
  [[nodiscard]] const Eigen::MatrixXd& output() const { return *zp_[static_cast<std::size_t>(depth_) - 1]; }
  [[nodiscard]] const Eigen::MatrixXd& hidden(std::size_t l) const { return *hp_[l]; }

 private:
  [[nodiscard]] const Eigen::MatrixXd& input(std::size_t l) const { return l == 0 ? x_ : *hp_[l - 1]; }

  const Eigen::MatrixXd& x_;
  Eigen::MatrixXd y_;
  double constant_loss_;
  act_kind act_;
  int depth_ = 0;
  bool identity_input_ = false;
  std::vector<Eigen::MatrixXd> z_, h_, delta_;
  std::vector<const Eigen::MatrixXd*> zp_, hp_;  // pre-activations and activities (may alias weights or z_)
};

void check_finite(const char* field, const Eigen::MatrixXd& m) {
  if (!m.allFinite()) throw invalid_argument(field, "non-finite entries", "must be finite");
}

}  // namespace

void network_options::validate() const {
  if (widths.size() < 2) {
    throw invalid_argument("widths", std::to_string(widths.size()) + " entries",
                           "needs at least 2 (N_in, N_out): D = count - 1 weight matrices");
  }
  double parameters = 0;
  for (std::size_t l = 0; l < widths.size(); ++l) {
    require_in_range("widths", widths[l], 1, 100000);
    if (l > 0) parameters += static_cast<double>(widths[l]) * widths[l - 1];
  }
  if (parameters > 2.5e8) {
    throw invalid_argument("widths", format_value(parameters) + " weights", "at most 2.5e8 weights in all");
  }
  (void)activation_kind(activation);
  if (!known_init(init)) {
    throw invalid_argument("init", init, "must be one of: small_gaussian, balanced, orthogonal, given");
  }
  require_nonnegative("init_scale", init_scale);
}

void training_options::validate() const {
  require_positive("learning_rate", learning_rate);
  require_in_range("steps", static_cast<double>(steps), 0, 1e9);
  require_in_range("record_every", static_cast<double>(record_every), 0, 1e9);
  for (long n : record_steps) {
    if (n < 0 || n > steps) {
      throw invalid_argument("record_steps", std::to_string(n),
                             "must lie in [0, steps = " + std::to_string(steps) + "]");
    }
  }
  if (integrator != "gd" && integrator != "rk4") throw invalid_argument("integrator", integrator, "must be gd or rk4");
  // Every record keeps the loss and the mode strengths: at most 1e7 records.
  const double every = record_every > 0 ? static_cast<double>(record_every)
                                        : std::max(1.0, std::ceil(static_cast<double>(steps) / 100.0));
  const double count = record_steps.empty() ? std::ceil(static_cast<double>(steps) / every) + 1.0
                                            : static_cast<double>(record_steps.size());
  if (count > 1e7) {
    throw invalid_argument("record_every", std::to_string(record_every),
                           "would record " + format_value(count) + " states (at most 1e7): record less often");
  }
}

std::vector<Eigen::MatrixXd> initial_weights(const dataset& data, const network_options& network) {
  network.validate();
  const int d = network.depth();
  std::vector<Eigen::MatrixXd> w(static_cast<std::size_t>(d));
  for (int l = 0; l < d; ++l) w[static_cast<std::size_t>(l)].resize(network.widths[l + 1], network.widths[l]);
  if (network.init == "given") {
    throw invalid_argument("init", network.init, "given weights are passed to simulate(), not drawn");
  }
  if (network.init == "small_gaussian") {
    for (int l = 0; l < d; ++l) {
      rng::stream s(network.seed, {static_cast<std::uint64_t>(l)});
      auto& m = w[static_cast<std::size_t>(l)];
      s.fill_normal({m.data(), static_cast<std::size_t>(m.size())});
      m *= network.init_scale;
    }
  } else if (network.init == "orthogonal") {
    for (int l = 0; l < d; ++l) {
      rng::stream s(network.seed, {static_cast<std::uint64_t>(l)});
      haar_orthogonal_matrix(s, network.init_scale * network.init_scale, w[static_cast<std::size_t>(l)]);
    }
  } else {  // balanced: every layer carries c = a0^{1/D} on k modes, hidden bases Haar-random [S14 sec. 3]
    if (data.inputs.rows() != network.widths.front() || data.targets.rows() != network.widths.back()) {
      throw invalid_argument(
          "widths",
          "N_in = " + std::to_string(network.widths.front()) + ", N_out = " + std::to_string(network.widths.back()),
          "must match the data set (" + std::to_string(data.inputs.rows()) + " inputs, " +
              std::to_string(data.targets.rows()) + " outputs)");
    }
    const auto c = correlations(data);
    Eigen::Index k = c.s.size();
    for (int l = 1; l < d; ++l) k = std::min<Eigen::Index>(k, network.widths[l]);
    const double scale = std::pow(network.init_scale, 1.0 / d);
    std::vector<Eigen::MatrixXd> r(static_cast<std::size_t>(d));  // r[l]: N_l x k, l = 1..D-1
    for (int l = 1; l < d; ++l) {
      rng::stream s(network.seed, {static_cast<std::uint64_t>(l)});
      r[static_cast<std::size_t>(l)].resize(network.widths[l], k);
      haar_orthogonal_matrix(s, 1.0, r[static_cast<std::size_t>(l)]);
    }
    const Eigen::MatrixXd uk = c.u.leftCols(k), vk = c.v.leftCols(k);
    for (int l = 0; l < d; ++l) {
      const Eigen::MatrixXd& left = l + 1 == d ? uk : r[static_cast<std::size_t>(l + 1)];
      const Eigen::MatrixXd& right = l == 0 ? vk : r[static_cast<std::size_t>(l)];
      w[static_cast<std::size_t>(l)].noalias() = scale * left * right.transpose();
    }
  }
  return w;
}

simulation_result simulate(const dataset& data, const network_options& network, const training_options& training,
                           const std::optional<std::vector<Eigen::MatrixXd>>& given) {
  network.validate();
  training.validate();
  const int d = network.depth();
  const auto du = static_cast<std::size_t>(d);
  const Eigen::Index p = data.targets.cols();
  if (p < 1 || data.inputs.cols() != p) {
    throw invalid_argument("data",
                           std::to_string(data.inputs.cols()) + " input and " + std::to_string(p) + " target items",
                           "needs the same number (>= 1) of input and target columns");
  }
  if (data.inputs.rows() != network.widths.front() || data.targets.rows() != network.widths.back()) {
    throw invalid_argument(
        "widths",
        "N_in = " + std::to_string(network.widths.front()) + ", N_out = " + std::to_string(network.widths.back()),
        "must match the data set (" + std::to_string(data.inputs.rows()) + " inputs, " +
            std::to_string(data.targets.rows()) + " outputs)");
  }
  check_finite("data.inputs", data.inputs);
  check_finite("data.targets", data.targets);
  const act_kind act = activation_kind(network.activation);

  simulation_result r;
  if (network.init == "given") {
    if (!given) throw invalid_argument("init", "given", "needs the initial weights passed to simulate()");
    if (given->size() != du) {
      throw invalid_argument("initial_weights", std::to_string(given->size()) + " matrices",
                             "must hold D = " + std::to_string(d) + " matrices");
    }
    for (int l = 0; l < d; ++l) {
      const auto& m = (*given)[static_cast<std::size_t>(l)];
      if (m.rows() != network.widths[l + 1] || m.cols() != network.widths[l]) {
        throw invalid_argument(
            "initial_weights",
            "W_" + std::to_string(l + 1) + " is " + std::to_string(m.rows()) + " x " + std::to_string(m.cols()),
            "must be " + std::to_string(network.widths[l + 1]) + " x " + std::to_string(network.widths[l]));
      }
      check_finite("initial_weights", m);
    }
    r.initial_weights = *given;
  } else {
    if (given) throw invalid_argument("init", network.init, "initial weights were passed: set init = given");
    r.initial_weights = initial_weights(data, network);
  }

  const auto records = record_list(training);
  double hidden_doubles = 0;
  for (int l = 1; l < d; ++l) hidden_doubles += static_cast<double>(network.widths[l]) * static_cast<double>(p);
  if (training.record_hidden && hidden_doubles * static_cast<double>(records.size()) > max_recorded_doubles) {
    throw invalid_argument("record_hidden", "true",
                           "would keep " + format_value(hidden_doubles * static_cast<double>(records.size())) +
                               " numbers (at most 1.25e8): record fewer steps or set record_hidden = false");
  }

  const auto corr = correlations(data);
  r.singular_values = corr.s;
  r.u = corr.u;
  r.v = corr.v;
  const Eigen::Index modes = corr.s.size();

  // The last-layer reduction W_D = Q M (see the header): worth it when r = P + N_{D-1} is well below N_out.
  std::vector<Eigen::MatrixXd> w = r.initial_weights;
  Eigen::MatrixXd targets = data.targets;
  Eigen::MatrixXd q;
  Eigen::MatrixXd uq = corr.u;  // U in the coordinates of the last layer's rows
  double constant_loss = 0;
  const Eigen::Index n_out = data.targets.rows();
  const Eigen::Index rank = p + network.widths[du - 1];
  if (training.reduce && 4 * rank <= 3 * n_out) {
    Eigen::MatrixXd span(n_out, rank);
    span << data.targets, w[du - 1];
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(span);
    q = Eigen::MatrixXd::Identity(n_out, rank);
    q.applyOnTheLeft(qr.householderQ());
    targets.resize(rank, p);
    targets.noalias() = q.transpose() * data.targets;
    // Whatever of Y lies outside span(Q) (rounding only) is never learned: a constant of the loss.
    constant_loss = 0.5 * (data.targets - q * targets).squaredNorm();
    Eigen::MatrixXd m(rank, w[du - 1].cols());
    m.noalias() = q.transpose() * w[du - 1];
    w[du - 1] = std::move(m);
    uq.resize(rank, modes);
    uq.noalias() = q.transpose() * corr.u;
    r.reduced_output = true;
    r.reduced_rank = static_cast<int>(rank);
  }

  engine eng(data.inputs, std::move(targets), constant_loss, act, w);
  const bool rk4 = training.integrator == "rk4";
  std::vector<Eigen::MatrixXd> k1, k2, k3, k4, trial;
  if (rk4) k1 = k2 = k3 = k4 = trial = w;

  const Eigen::MatrixXd xtv = data.inputs.transpose() * corr.v;  // X^T V (P x modes), nonlinear strengths
  Eigen::MatrixXd chain;                                         // W_l...W_1 V while measuring
  const auto nrec = static_cast<Eigen::Index>(records.size());
  r.steps.resize(nrec);
  r.times.resize(nrec);
  r.loss.resize(nrec);
  r.mode_strengths.resize(nrec, modes);
  if (training.record_hidden && d > 1) r.hidden.reserve(records.size());

  const double eta = training.learning_rate;
  Eigen::Index rec = 0;
  long n = 0;
  for (;; ++n) {
    const double loss = eng.forward(w);
    if (!std::isfinite(loss) || loss > divergence_loss) {
      r.status = "diverged";
      break;
    }
    if (rec < nrec && records[static_cast<std::size_t>(rec)] == n) {
      r.steps[rec] = static_cast<double>(n);
      r.times[rec] = static_cast<double>(n) * eta;
      r.loss[rec] = loss;
      if (act == act_kind::linear) {
        chain = corr.v;
        for (std::size_t l = 0; l < du; ++l) chain = w[l] * chain;
      } else {
        chain = eng.output() * xtv;
      }
      for (Eigen::Index a = 0; a < modes; ++a) r.mode_strengths(rec, a) = uq.col(a).dot(chain.col(a));
      if (training.record_hidden && d > 1) {
        std::vector<Eigen::MatrixXd> hs(du - 1);
        for (std::size_t l = 0; l + 1 < du; ++l) hs[l] = eng.hidden(l);
        r.hidden.push_back(std::move(hs));
      }
      ++rec;
    }
    if (n == training.steps) break;
    if (!rk4) {
      eng.backward(w, eta, nullptr);
      continue;
    }
    // Classical RK4 on dW/dt = -dL/dW (tau = 1), time step eta: error O(eta^4) per unit time.
    eng.backward(w, 0.0, &k1);
    for (std::size_t l = 0; l < du; ++l) trial[l] = w[l] + (0.5 * eta) * k1[l];
    eng.forward(trial);
    eng.backward(trial, 0.0, &k2);
    for (std::size_t l = 0; l < du; ++l) trial[l] = w[l] + (0.5 * eta) * k2[l];
    eng.forward(trial);
    eng.backward(trial, 0.0, &k3);
    for (std::size_t l = 0; l < du; ++l) trial[l] = w[l] + eta * k3[l];
    eng.forward(trial);
    eng.backward(trial, 0.0, &k4);
    for (std::size_t l = 0; l < du; ++l) w[l] += (eta / 6.0) * (k1[l] + 2.0 * (k2[l] + k3[l]) + k4[l]);
  }
  r.steps_done = n;
  if (rec < nrec) {
    r.steps.conservativeResize(rec);
    r.times.conservativeResize(rec);
    r.loss.conservativeResize(rec);
    r.mode_strengths.conservativeResize(rec, modes);
  }
  if (r.reduced_output) w[du - 1] = q * w[du - 1];
  r.weights = std::move(w);
  return r;
}

}  // namespace nt::deeplinear
