#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/signalprop/phase_diagram.hpp"

namespace {

namespace sp = nt::signalprop;

TEST(PhaseDiagram, EveryPointMatchesTheSinglePointSolver) {
  sp::phase_diagram_options o;
  o.sigma_w2_min = 0.5;
  o.sigma_w2_max = 4.0;
  o.sigma_w2_points = 6;
  o.sigma_b2_min = 0.0;
  o.sigma_b2_max = 0.5;
  o.sigma_b2_points = 5;
  const auto r = sp::phase_diagram(o);
  EXPECT_EQ(r.failed_points, 0);
  for (Eigen::Index i = 0; i < 6; ++i) {
    for (Eigen::Index j = 0; j < 5; ++j) {
      const auto fp = sp::fixed_point({"tanh", r.sigma_w2[i], r.sigma_b2[j], 0});
      EXPECT_NEAR(r.q_star(i, j), fp.q_star, 1e-10 * (1 + fp.q_star));
      EXPECT_NEAR(r.chi1(i, j), fp.chi1, 1e-10);
      EXPECT_NEAR(r.c_star(i, j), fp.c_star, 1e-8);
    }
  }
}

// The chi_1 = 1 contour of the grid brackets the critical line computed independently.
TEST(PhaseDiagram, OrderChaosBoundaryMatchesTheCriticalLine) {
  sp::phase_diagram_options o;
  o.sigma_w2_min = 0.5;
  o.sigma_w2_max = 4.0;
  o.sigma_w2_points = 71;
  o.sigma_b2_min = 0.0;
  o.sigma_b2_max = 1.0;
  o.sigma_b2_points = 6;
  o.correlation = false;
  const auto r = sp::phase_diagram(o);
  for (Eigen::Index j = 0; j < r.sigma_b2.size(); ++j) {
    const double crit = sp::critical_point("tanh", r.sigma_b2[j]).sigma_w2;
    for (Eigen::Index i = 0; i < r.sigma_w2.size(); ++i) {
      EXPECT_EQ(r.chi1(i, j) > 1.0, r.sigma_w2[i] > crit) << r.sigma_w2[i] << ", " << r.sigma_b2[j];
    }
  }
}

TEST(PhaseDiagram, NonConvergedPointsAreReportedNotNumbers) {
  sp::phase_diagram_options o;
  o.activation = "relu";
  o.sigma_w2_min = 1.0;
  o.sigma_w2_max = 3.0;
  o.sigma_w2_points = 5;  // 1, 1.5, 2, 2.5, 3
  o.sigma_b2_min = 0.1;
  o.sigma_b2_max = 0.2;
  o.sigma_b2_points = 2;
  const auto r = sp::phase_diagram(o);
  for (Eigen::Index i = 0; i < 5; ++i) {
    for (Eigen::Index j = 0; j < 2; ++j) {
      if (r.sigma_w2[i] >= 2.0) {
        EXPECT_EQ(r.status(i, j), static_cast<double>(sp::solve_status::diverged));
        EXPECT_TRUE(std::isnan(r.q_star(i, j)));
        EXPECT_TRUE(std::isnan(r.chi1(i, j)));
      } else {
        EXPECT_EQ(r.status(i, j), 0.0);
        EXPECT_NEAR(r.q_star(i, j), r.sigma_b2[j] / (1 - r.sigma_w2[i] / 2), 1e-12);
      }
    }
  }
  EXPECT_EQ(r.failed_points, 6);
}

TEST(PhaseDiagram, IndependentOfThreadCount) {
  sp::phase_diagram_options o;
  o.sigma_w2_points = 9;
  o.sigma_b2_points = 4;
  o.spacing = "std";
  nt::set_thread_count(1);
  const auto a = sp::phase_diagram(o);
  nt::set_thread_count(2);
  const auto b = sp::phase_diagram(o);
  nt::set_thread_count(omp_get_num_procs());
  EXPECT_TRUE((a.q_star == b.q_star).all());
  EXPECT_TRUE((a.c_star == b.c_star || (a.c_star.isNaN() && b.c_star.isNaN())).all());
}

TEST(PhaseDiagram, StdSpacingAndValidation) {
  sp::phase_diagram_options o;
  o.sigma_w2_min = 0.25;
  o.sigma_w2_max = 16.0;
  o.sigma_w2_points = 8;
  o.sigma_b2_points = 2;
  o.spacing = "std";
  o.correlation = false;
  const auto r = sp::phase_diagram(o);
  EXPECT_NEAR(std::sqrt(r.sigma_w2[1]) - std::sqrt(r.sigma_w2[0]), 0.5, 1e-12);
  o.spacing = "log";
  EXPECT_THROW((void)sp::phase_diagram(o), nt::invalid_argument);
  o.spacing = "std";
  o.sigma_w2_max = 0.1;
  EXPECT_THROW((void)sp::phase_diagram(o), nt::invalid_argument);
}

}  // namespace
