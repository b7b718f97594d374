#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"

namespace nt::reproduce::detail {

std::uint64_t derive_seed(std::uint64_t base, std::initializer_list<std::uint64_t> ids) {
  // splitmix64 (Steele, Lea & Flood 2014) applied to the running hash of base and ids.
  auto mix = [](std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::uint64_t h = mix(base);
  for (auto id : ids) h = mix(h ^ mix(id + 0x632be59bd9b4e019ULL));
  return h;
}

std::vector<signalprop::simulation_result> simulate_jobs(const std::vector<signalprop::simulation_options>& jobs) {
  std::vector<signalprop::simulation_result> out(jobs.size());
  // Longest jobs first (cost ~ width^2 x depth; a QR per orthogonal layer), then dynamic scheduling.
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto cost = [&](std::size_t i) {
    const auto& j = jobs[i];
    const double w = static_cast<double>(j.width);
    const double layer = j.weights == "orthogonal" ? 6.0 * w * w * w / 1000.0 : w * w;
    return layer * j.depth * (j.gradients ? 2.0 : 1.0);
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cost(a) > cost(b); });
  std::exception_ptr failure;
  const blas_single_thread blas_guard;
  const auto n = static_cast<long long>(jobs.size());
#pragma omp parallel for schedule(dynamic, 1) num_threads(thread_count())
  for (long long k = 0; k < n; ++k) {
    const std::size_t i = order[static_cast<std::size_t>(k)];
    try {
      out[i] = signalprop::simulate(jobs[i]);
    } catch (...) {
#pragma omp critical(nt_reproduce_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  return out;
}

Eigen::ArrayXXd group_average(const Eigen::ArrayXXd& columns, int group) {
  if (group < 1 || columns.cols() % group != 0) throw internal_error("group_average: bad group size");
  const Eigen::Index groups = columns.cols() / group;
  Eigen::ArrayXXd out(columns.rows(), groups);
  for (Eigen::Index g = 0; g < groups; ++g) out.col(g) = columns.middleCols(g * group, group).rowwise().mean();
  return out;
}

mean_sem over_replicates(const std::vector<Eigen::ArrayXXd>& per) {
  if (per.empty()) throw internal_error("over_replicates: no replicates");
  mean_sem s;
  const auto r = static_cast<double>(per.size());
  s.mean = Eigen::ArrayXXd::Zero(per.front().rows(), per.front().cols());
  for (const auto& p : per) s.mean += p;
  s.mean /= r;
  s.sem = Eigen::ArrayXXd::Zero(s.mean.rows(), s.mean.cols());
  for (const auto& p : per) s.sem += (p - s.mean).square();
  if (per.size() < 2) {
    s.sem.setConstant(kNaN);
  } else {
    s.sem = (s.sem / (r - 1.0) / r).sqrt();
  }
  return s;
}

agreement_stats compare(const Eigen::ArrayXXd& mean, const Eigen::ArrayXXd& sem, const Eigen::ArrayXXd& theory,
                        Eigen::Index first_row) {
  agreement_stats s;
  double z2 = 0.0;
  for (Eigen::Index j = 0; j < mean.cols(); ++j) {
    for (Eigen::Index i = first_row; i < mean.rows(); ++i) {
      const double m = mean(i, j), e = sem(i, j), t = theory(i, j);
      if (!std::isfinite(m) || !std::isfinite(t) || !std::isfinite(e) || e <= 0.0) continue;
      const double z = std::abs(m - t) / e;
      s.max_z = std::max(s.max_z, z);
      z2 += z * z;
      s.max_abs = std::max(s.max_abs, std::abs(m - t));
      if (t != 0.0) s.max_relative = std::max(s.max_relative, std::abs(m / t - 1.0));
      ++s.points;
    }
  }
  s.rms_z = s.points > 0 ? std::sqrt(z2 / static_cast<double>(s.points)) : kNaN;
  return s;
}

void accumulate(agreement_stats& total, const agreement_stats& part) {
  if (part.points == 0) return;
  const double z2 = (total.points > 0 ? total.rms_z * total.rms_z * static_cast<double>(total.points) : 0.0) +
                    part.rms_z * part.rms_z * static_cast<double>(part.points);
  total.points += part.points;
  total.rms_z = std::sqrt(z2 / static_cast<double>(total.points));
  total.max_z = std::max(total.max_z, part.max_z);
  total.max_relative = std::max(total.max_relative, part.max_relative);
  total.max_abs = std::max(total.max_abs, part.max_abs);
}

nlohmann::json json_number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json to_json(const agreement_stats& s) {
  return {{"max_z", json_number(s.max_z)},
          {"rms_z", json_number(s.rms_z)},
          {"max_relative_error", json_number(s.max_relative)},
          {"max_abs_error", json_number(s.max_abs)},
          {"points", s.points}};
}

namespace {

// Weighted least-squares slope of y on x.
double wls_slope(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w) {
  double sw = 0, sx = 0, sy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sw += w[i];
    sx += w[i] * x[i];
    sy += w[i] * y[i];
  }
  const double mx = sx / sw, my = sy / sw;
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += w[i] * (x[i] - mx) * (y[i] - my);
    sxx += w[i] * (x[i] - mx) * (x[i] - mx);
  }
  return sxy / sxx;
}

}  // namespace

int decay_fit::points() const {
  int n = 0;
  for (int l : last) n += std::max(0, l - first + 1);
  return n;
}

decay_fit fit_decay(const std::vector<decay_side>& sides, int first, int last, double threshold) {
  decay_fit f;
  f.first = first;
  struct window {
    std::vector<double> x, w;
    int side;
  };
  std::vector<window> used;
  std::size_t reps = 0;
  for (std::size_t s = 0; s < sides.size(); ++s) {
    const auto& d_per = sides[s].per;
    f.last.push_back(first - 1);
    reps = d_per.size();
    if (reps < 2) continue;
    const Eigen::Index layers = d_per.front().size();
    Eigen::ArrayXd mean = Eigen::ArrayXd::Zero(layers), sem = Eigen::ArrayXd::Zero(layers);
    for (const auto& d : d_per) mean += d;
    mean /= static_cast<double>(reps);
    for (const auto& d : d_per) sem += (d - mean).square();
    sem = (sem / static_cast<double>(reps - 1) / static_cast<double>(reps)).sqrt();
    // Consecutive layers from `first` where the displacement keeps its sign and stands above
    // `threshold` standard errors.
    const int stop = std::min(last, static_cast<int>(layers) - 1);
    const double sign = mean[first] < 0.0 ? -1.0 : 1.0;
    int end = first - 1;
    for (int l = first; l <= stop; ++l) {
      const double m = mean[l] * sign, e = sem[l];
      if (!std::isfinite(m) || !std::isfinite(e) || m <= 0.0 || m <= threshold * e) break;
      end = l;
    }
    if (end - first + 1 < 3) continue;
    f.last.back() = end;
    window win{{}, {}, static_cast<int>(s)};
    for (int l = first; l <= end; ++l) {
      win.x.push_back(l);
      // Inverse variance of log|d| (delta method); layers known almost exactly are capped.
      const double rel = std::max(sem[l] / std::abs(mean[l]), 1e-6);
      win.w.push_back(1.0 / (rel * rel));
    }
    used.push_back(std::move(win));
  }
  if (used.empty()) return f;

  // The mean slope over sides, for network subsets given by `keep` (all but one network, or all).
  auto slope_of = [&](std::size_t drop, bool theory) {
    double total = 0.0;
    for (const auto& win : used) {
      const auto& side = sides[static_cast<std::size_t>(win.side)];
      std::vector<double> y;
      for (double xl : win.x) {
        const auto l = static_cast<Eigen::Index>(xl);
        double v = 0.0;
        if (theory) {
          v = side.theory[l];
        } else {
          std::size_t n = 0;
          for (std::size_t r = 0; r < side.per.size(); ++r) {
            if (r == drop) continue;
            v += side.per[r][l];
            ++n;
          }
          v /= static_cast<double>(n);
        }
        if (!(std::abs(v) > 0.0)) return kNaN;
        y.push_back(std::log(std::abs(v)));
      }
      total += wls_slope(win.x, y, win.w);
    }
    return total / static_cast<double>(used.size());
  };
  const std::size_t all = reps;  // drop nothing
  const double slope = slope_of(all, false);
  f.xi = -1.0 / slope;
  f.xi_theory_window = -1.0 / slope_of(all, true);
  // Jackknife over networks.
  std::vector<double> slopes;
  for (std::size_t r = 0; r < reps; ++r) {
    const double s = slope_of(r, false);
    if (std::isfinite(s)) slopes.push_back(s);
  }
  if (slopes.size() == reps) {
    const double ms = std::accumulate(slopes.begin(), slopes.end(), 0.0) / static_cast<double>(reps);
    double v = 0.0;
    for (double s : slopes) v += (s - ms) * (s - ms);
    const double slope_se = std::sqrt(v * static_cast<double>(reps - 1) / static_cast<double>(reps));
    f.xi_se = slope_se / (slope * slope);  // |d xi / d slope| = 1 / slope^2
  }
  return f;
}

void write_vector(const std::filesystem::path& path, const Eigen::ArrayXd& v) { io::write_npy(path, v); }

void write_matrix(const std::filesystem::path& path, const Eigen::ArrayXXd& m) { io::write_npy(path, m); }

std::vector<double> to_vector(const Eigen::ArrayXd& a) { return {a.data(), a.data() + a.size()}; }

sizes sizes_for(const reproduce_options& options) {
  if (options.quick) return {300, 8, 8, 4};
  return {1000, 6, 6, 4};
}

}  // namespace nt::reproduce::detail
