#pragma once
// One exception hierarchy for the whole library (after arbor's arbexcept.hpp):
//   nt::error            the user's mistake or the environment (bad parameter, unwritable file)
//     nt::invalid_argument   a parameter out of its allowed range; names field, value and range
//     nt::io_error           a file could not be read or written
//   nt::internal_error   a bug in neurotheory
// The CLI maps invalid_argument to exit code 2, every other error to 1; Python maps
// invalid_argument to ValueError, io_error to OSError, the rest to RuntimeError.
#include <sstream>
#include <stdexcept>
#include <string>

namespace nt {

class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class invalid_argument : public error {
 public:
  invalid_argument(std::string field, const std::string& value, const std::string& allowed);
  explicit invalid_argument(const std::string& message) : error(message) {}
  [[nodiscard]] const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

class io_error : public error {
 public:
  using error::error;
};

class internal_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Shortest decimal text that reads back to the same double, for messages.
std::string format_value(double value);

// Throws invalid_argument unless lo <= value <= hi (bounds inclusive unless stated).
void require_in_range(const char* field, double value, double lo, double hi);
void require_positive(const char* field, double value);     // value > 0 (finite)
void require_nonnegative(const char* field, double value);  // value >= 0 (finite)
void require_at_least(const char* field, long long value, long long lo);

}  // namespace nt
