#include <gtest/gtest.h>

#include "neurotheory/core/random.hpp"

TEST(Random, Placeholder) { nt::rng::stream s(1); EXPECT_GT(s.uniform(), 0.0); }
