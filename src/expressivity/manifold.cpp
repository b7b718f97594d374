#include <algorithm>
#include <cmath>

#include "neurotheory/expressivity/manifold.hpp"

namespace nt::expressivity {

layer_agreement compare_layers(const Eigen::ArrayXd& mean, const Eigen::ArrayXd& sem, const Eigen::ArrayXd& theory,
                               const Eigen::ArrayXd& include) {
  layer_agreement a;
  double sum_z2 = 0;
  for (Eigen::Index l = 0; l < mean.size(); ++l) {
    if (include[l] == 0.0 || !std::isfinite(mean[l]) || !std::isfinite(theory[l]) || !(sem[l] > 0.0)) continue;
    const double z = std::abs(mean[l] - theory[l]) / sem[l];
    a.max_z = std::max(a.max_z, z);
    sum_z2 += z * z;
    if (theory[l] != 0.0) a.max_relative = std::max(a.max_relative, std::abs(mean[l] / theory[l] - 1.0));
    ++a.points;
  }
  a.rms_z = a.points > 0 ? std::sqrt(sum_z2 / static_cast<double>(a.points)) : 0.0;
  return a;
}

manifold_result manifold(const manifold_options& options) {
  options.validate();
  manifold_result r;
  r.theory = manifold_theory(options.simulation.circle);
  if (!options.simulate) return r;
  r.simulated = true;
  r.simulation = simulate_manifold(options.simulation);
  const auto& s = r.simulation;
  const auto& t = r.theory;
  // Finite differences are trusted where the sampled circle is resolved; the exact forward-mode
  // derivatives, when present, everywhere.
  const bool exact = options.simulation.exact_derivatives;
  const Eigen::ArrayXd all = Eigen::ArrayXd::Ones(t.layer.size());
  r.length2 = exact ? compare_layers(s.length2_exact_mean, s.length2_exact_sem, t.length2, all)
                    : compare_layers(s.length2_mean, s.length2_sem, t.length2, s.resolved);
  r.curvature2 = exact ? compare_layers(s.curvature2_exact_mean, s.curvature2_exact_sem, t.curvature2, all)
                       : compare_layers(s.curvature2_mean, s.curvature2_sem, t.curvature2, s.resolved);
  r.grassmannian = exact ? compare_layers(s.grassmannian_exact_mean, s.grassmannian_exact_sem, t.grassmannian, all)
                         : compare_layers(s.grassmannian_mean, s.grassmannian_sem, t.grassmannian, s.resolved);
  r.transitions = compare_layers(s.transitions_mean, s.transitions_sem, t.transitions, s.resolved);
  return r;
}

}  // namespace nt::expressivity
