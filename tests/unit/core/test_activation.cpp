#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "neurotheory/core/activation.hpp"
#include "neurotheory/core/error.hpp"

namespace {

const std::vector<double> kPoints = {-3.1, -1.7, -0.9, -0.35, -0.02, 0.013, 0.4, 0.8, 1.3, 2.2, 4.5};

TEST(Activation, RegistryHasEveryRequiredFunction) {
  for (const char* name : {"linear", "tanh", "relu", "hard_tanh", "erf", "sigmoid", "selu", "gelu", "swish"}) {
    EXPECT_EQ(nt::activation_by_name(name).name(), name);
  }
  EXPECT_EQ(nt::activation_names().size(), 9U);
}

TEST(Activation, UnknownNameIsAClearError) {
  try {
    (void)nt::activation_by_name("tanhh");
    FAIL() << "no exception";
  } catch (const nt::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("activation"), std::string::npos);
    EXPECT_NE(what.find("tanhh"), std::string::npos);
    EXPECT_NE(what.find("relu"), std::string::npos);  // lists the valid names
    EXPECT_EQ(e.field(), "activation");
  }
}

// phi' and phi'' against central differences of phi and phi' (step 1e-5: error ~1e-10).
TEST(Activation, DerivativesMatchFiniteDifferences) {
  const double h = 1e-5;
  for (const auto& name : nt::activation_names()) {
    const auto& a = nt::activation_by_name(name);
    for (double x : kPoints) {
      if (!a.smooth() && (std::abs(x) < 0.05 || std::abs(std::abs(x) - 1.0) < 0.05)) continue;  // kinks
      EXPECT_NEAR(a.dphi(x), (a.phi(x + h) - a.phi(x - h)) / (2 * h), 1e-8) << name << " at " << x;
      EXPECT_NEAR(a.d2phi(x), (a.dphi(x + h) - a.dphi(x - h)) / (2 * h), 1e-7) << name << " at " << x;
    }
  }
}

TEST(Activation, BulkEvaluationMatchesScalar) {
  std::vector<double> x;
  for (int i = -400; i <= 400; ++i) x.push_back(i * 0.02 + 0.001);
  std::vector<double> p(x.size()), dp(x.size()), d2p(x.size());
  for (const auto& name : nt::activation_names()) {
    const auto& a = nt::activation_by_name(name);
    a.evaluate(x, p, dp, d2p);
    for (std::size_t i = 0; i < x.size(); ++i) {
      // SLEEF's vector functions are accurate to a few ulp.
      EXPECT_NEAR(p[i], a.phi(x[i]), 4e-16 * (1 + std::abs(a.phi(x[i])))) << name << " at " << x[i];
      EXPECT_NEAR(dp[i], a.dphi(x[i]), 4e-15) << name << " at " << x[i];
      EXPECT_NEAR(d2p[i], a.d2phi(x[i]), 4e-15) << name << " at " << x[i];
    }
    // Any output may be skipped.
    std::vector<double> only(x.size());
    a.evaluate(x, {}, only, {});
    for (std::size_t i = 0; i < x.size(); ++i) ASSERT_EQ(only[i], dp[i]) << name;
  }
}

TEST(Activation, ConventionsOfThePapers) {
  // erf is scaled to unit slope at 0 (Poole et al. 2016); selu's constants (Klambauer et al. 2017).
  EXPECT_NEAR(nt::activation_by_name("erf").dphi(0.0), 1.0, 1e-15);
  EXPECT_NEAR(nt::activation_by_name("tanh").dphi(0.0), 1.0, 1e-15);
  EXPECT_NEAR(nt::activation_by_name("selu").phi(1.0), 1.0507009873554805, 1e-15);
  EXPECT_NEAR(nt::activation_by_name("gelu").phi(1.0), 0.8413447460685429, 1e-15);
  EXPECT_NEAR(nt::activation_by_name("swish").phi(1.0), 0.7310585786300049, 1e-15);
  EXPECT_EQ(nt::activation_by_name("hard_tanh").phi(3.0), 1.0);
  EXPECT_EQ(nt::activation_by_name("relu").phi(-3.0), 0.0);
}

}  // namespace
