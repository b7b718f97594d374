#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/io.hpp"

namespace {

namespace fs = std::filesystem;

struct temp_dir {
  fs::path path;
  temp_dir()
      : path(fs::temp_directory_path() /
             ("nt_io_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
              std::to_string(reinterpret_cast<std::uintptr_t>(this)))) {
    fs::create_directories(path);
  }
  ~temp_dir() { fs::remove_all(path); }
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Io, NpyRoundTripKeepsShapeAndRowMajorOrder) {
  temp_dir dir;
  Eigen::ArrayXXd a(3, 4);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) a(i, j) = 10 * i + j + 0.5;
  }
  nt::io::write_npy(dir.path / "a.npy", a);
  const std::string bytes = read(dir.path / "a.npy");
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_NE(bytes.find("'shape': (3, 4)"), std::string::npos);
  EXPECT_NE(bytes.find("'fortran_order': False"), std::string::npos);
  EXPECT_EQ((bytes.size() - 128 /* header padded to 64 bytes: 128 here */), 12 * sizeof(double));
  double second = 0;
  std::memcpy(&second, bytes.data() + 128 + sizeof(double), sizeof(double));
  EXPECT_EQ(second, 1.5);  // row-major: a(0, 1)
  EXPECT_TRUE((nt::io::read_npy(dir.path / "a.npy") == a).all());
  Eigen::ArrayXd v = Eigen::ArrayXd::LinSpaced(5, 0, 1);
  nt::io::write_npy(dir.path / "v.npy", v);
  EXPECT_NE(read(dir.path / "v.npy").find("'shape': (5,)"), std::string::npos);
}

TEST(Io, FilesAreWrittenAtomicallyWithoutLeftovers) {
  temp_dir dir;
  nt::io::write_json(dir.path / "sub" / "meta.json", nlohmann::json{{"x", 1}});
  nt::io::table t;
  t.add("a", {1.0, 2.0});
  t.add("b", {0.5, std::nan("")});
  nt::io::write_csv(dir.path / "sub" / "t.csv", t);
  EXPECT_EQ(read(dir.path / "sub" / "t.csv"), "a,b\n1,0.5\n2,nan\n");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path / "sub")) {
    ++files;
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos);
  }
  EXPECT_EQ(files, 2);
  EXPECT_EQ(nlohmann::json::parse(read(dir.path / "sub" / "meta.json"))["x"], 1);
}

TEST(Io, UnwritableDestinationIsAnIoError) {
  temp_dir dir;
  std::ofstream(dir.path / "file") << "x";
  // A path below a regular file cannot be created.
  EXPECT_THROW(nt::io::write_json(dir.path / "file" / "meta.json", nlohmann::json::object()), nt::io_error);
}

TEST(Io, MetadataCarriesVersionAndConfig) {
  const auto m = nt::io::metadata("signalprop fixed-point", nlohmann::json{{"sigma_w2", 1.5}});
  EXPECT_EQ(m["neurotheory_version"], nt::io::version());
  EXPECT_EQ(m["config"]["sigma_w2"], 1.5);
  EXPECT_EQ(m["command"], "signalprop fixed-point");
}

}  // namespace
