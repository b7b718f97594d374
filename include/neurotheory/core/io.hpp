#pragma once
// Result output: JSON metadata, .npy arrays (numpy.load reads them), CSV tables. Every file is
// written to a temporary name in the destination folder and renamed into place, so a crash or a
// rejected input never leaves a half-written file.
#include <filesystem>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

namespace nt::io {

std::string version();  // neurotheory's version string

// Writes `content` to `path` atomically (temporary file + rename). Throws io_error.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// NPY format 1.0, little-endian float64, C (row-major) order; a vector is 1-D.
void write_npy(const std::filesystem::path& path, const Eigen::ArrayXXd& array);
void write_npy(const std::filesystem::path& path, const Eigen::ArrayXd& vector);
// Reads what write_npy wrote (float64, any order), as a 2-D array (a 1-D file gives n x 1).
Eigen::ArrayXXd read_npy(const std::filesystem::path& path);

void write_json(const std::filesystem::path& path, const nlohmann::json& value);

// A tidy table: one column per name, all of equal length.
struct table {
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  void add(std::string name, std::vector<double> column);
};
void write_csv(const std::filesystem::path& path, const table& t);

// Standard metadata block every result carries.
nlohmann::json metadata(const std::string& command, const nlohmann::json& config);

}  // namespace nt::io
