#include "neurotheory/core/error.hpp"
#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace nt {

invalid_argument::invalid_argument(std::string field, const std::string& value, const std::string& allowed)
    : error(fmt::format("invalid {} = {}: {}", field, value, allowed)), field_(std::move(field)) {}

std::string format_value(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);
}

void require_in_range(const char* field, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) {
    throw invalid_argument(field, format_value(value),
                           fmt::format("must lie in [{}, {}]", format_value(lo), format_value(hi)));
  }
}

void require_positive(const char* field, double value) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    throw invalid_argument(field, format_value(value), "must be a finite number > 0");
  }
}

void require_nonnegative(const char* field, double value) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    throw invalid_argument(field, format_value(value), "must be a finite number >= 0");
  }
}

void require_at_least(const char* field, long long value, long long lo) {
  if (value < lo) throw invalid_argument(field, std::to_string(value), fmt::format("must be >= {}", lo));
}

}  // namespace nt
