#include "neurotheory/core/io.hpp"
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "neurotheory/core/error.hpp"

#ifndef NEUROTHEORY_VERSION
#define NEUROTHEORY_VERSION "0.0.0"
#endif

namespace nt::io {

std::string version() { return NEUROTHEORY_VERSION; }

void write_file_atomic(const std::filesystem::path& path, const std::string& content) {
  static std::atomic<unsigned> counter{0};
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw io_error(fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
  const auto tmp = dir / fmt::format(".{}.tmp.{}.{}", path.filename().string(), ::getpid(), counter++);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw io_error(fmt::format("cannot write {}", tmp.string()));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      throw io_error(fmt::format("cannot write {}", tmp.string()));
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw io_error(fmt::format("cannot rename into {}", path.string()));
  }
}

namespace {

std::string npy_bytes(const double* data, const std::vector<Eigen::Index>& shape, std::size_t count) {
  // "(n, m)" for 2-D, "(n,)" for 1-D.
  const std::string dims = shape.size() == 1 ? fmt::format("{},", shape[0]) : fmt::format("{}", fmt::join(shape, ", "));
  std::string header = fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}), }}", dims);
  // Magic (6) + version (2) + header length (2) + header + '\n' padded to a multiple of 64.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<std::uint16_t>(header.size());
  out.push_back(static_cast<char>(len & 0xffU));
  out.push_back(static_cast<char>(len >> 8U));
  out += header;
  const auto* bytes = reinterpret_cast<const char*>(data);
  out.append(bytes, count * sizeof(double));
  return out;
}

}  // namespace

void write_npy(const std::filesystem::path& path, const Eigen::ArrayXXd& array) {
  const Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = array;
  write_file_atomic(path,
                    npy_bytes(row_major.data(), {array.rows(), array.cols()}, static_cast<std::size_t>(array.size())));
}

void write_npy(const std::filesystem::path& path, const Eigen::ArrayXd& vector) {
  write_file_atomic(path, npy_bytes(vector.data(), {vector.size()}, static_cast<std::size_t>(vector.size())));
}

Eigen::ArrayXXd read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(fmt::format("cannot read {}", path.string()));
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (all.size() < 10 || all.compare(0, 6, "\x93NUMPY") != 0) throw io_error(path.string() + ": not an .npy file");
  const auto len = static_cast<std::size_t>(static_cast<unsigned char>(all[8])) |
                   (static_cast<std::size_t>(static_cast<unsigned char>(all[9])) << 8U);
  const std::string header = all.substr(10, len);
  if (header.find("'<f8'") == std::string::npos) throw io_error(path.string() + ": only float64 .npy is read");
  const bool fortran = header.find("'fortran_order': True") != std::string::npos;
  const auto open = header.find('(');
  const auto close = header.find(')');
  std::vector<Eigen::Index> shape;
  std::stringstream dims(header.substr(open + 1, close - open - 1));
  std::string item;
  while (std::getline(dims, item, ',')) {
    if (item.find_first_not_of(' ') != std::string::npos) shape.push_back(std::stoll(item));
  }
  const Eigen::Index rows = shape.empty() ? 1 : shape[0];
  const Eigen::Index cols = shape.size() > 1 ? shape[1] : 1;
  const std::size_t bytes = static_cast<std::size_t>(rows * cols) * sizeof(double);
  if (all.size() < 10 + len + bytes) throw io_error(path.string() + ": truncated .npy file");
  Eigen::ArrayXXd out(rows, cols);
  if (fortran || shape.size() < 2) {
    std::memcpy(out.data(), all.data() + 10 + len, bytes);
  } else {
    Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm(rows, cols);
    std::memcpy(rm.data(), all.data() + 10 + len, bytes);
    out = rm;
  }
  return out;
}

void write_json(const std::filesystem::path& path, const nlohmann::json& value) {
  write_file_atomic(path, value.dump(2) + "\n");
}

void table::add(std::string name, std::vector<double> column) {
  names.push_back(std::move(name));
  columns.push_back(std::move(column));
}

void write_csv(const std::filesystem::path& path, const table& t) {
  std::string out;
  for (std::size_t j = 0; j < t.names.size(); ++j) out += (j ? "," : "") + t.names[j];
  out += "\n";
  const std::size_t rows = t.columns.empty() ? 0 : t.columns.front().size();
  for (const auto& c : t.columns) {
    if (c.size() != rows) throw internal_error("write_csv: columns of unequal length");
  }
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < t.columns.size(); ++j) {
      const double v = t.columns[j][i];
      out += j ? "," : "";
      out += std::isfinite(v) ? fmt::format("{}", v) : (std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
    }
    out += "\n";
  }
  write_file_atomic(path, out);
}

nlohmann::json metadata(const std::string& command, const nlohmann::json& config) {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return nlohmann::json{
      {"neurotheory_version", version()}, {"command", command}, {"config", config}, {"created_unix", secs}};
}

}  // namespace nt::io
