# Every dependency comes from Debian's packages (scripts/install-deps.sh); nothing is downloaded.
# A missing one stops the configure step with the package to install.
function(nt_require found package)
  if(NOT ${found})
    message(FATAL_ERROR "neurotheory: missing dependency; install it with: apt-get install ${package}")
  endif()
endfunction()

find_package(Eigen3 3.4 NO_MODULE)
nt_require(Eigen3_FOUND libeigen3-dev)
find_package(OpenMP COMPONENTS CXX)
nt_require(OpenMP_CXX_FOUND "g++ (libgomp)")
find_package(CLI11 CONFIG)
nt_require(CLI11_FOUND libcli11-dev)
find_package(nlohmann_json 3 CONFIG)
nt_require(nlohmann_json_FOUND nlohmann-json3-dev)
find_package(fmt CONFIG)
nt_require(fmt_FOUND libfmt-dev)
find_package(tomlplusplus CONFIG)
nt_require(tomlplusplus_FOUND libtomlplusplus-dev)

# OpenBLAS (BLAS behind Eigen's products) and LAPACKE (QR for Haar matrices).
find_library(NT_OPENBLAS_LIB NAMES openblas)
nt_require(NT_OPENBLAS_LIB libopenblas-dev)
find_library(NT_LAPACKE_LIB NAMES lapacke)
nt_require(NT_LAPACKE_LIB liblapacke-dev)
find_path(NT_LAPACKE_INCLUDE lapacke.h)
nt_require(NT_LAPACKE_INCLUDE liblapacke-dev)
# Random123 (counter-based generators) and SLEEF (vectorized math) are header/library packages.
find_path(NT_RANDOM123_INCLUDE Random123/philox.h)
nt_require(NT_RANDOM123_INCLUDE librandom123-dev)
find_path(NT_SLEEF_INCLUDE sleef.h)
find_library(NT_SLEEF_LIB NAMES sleef)
nt_require(NT_SLEEF_LIB libsleef-dev)

# One interpreter everywhere: Debian's /usr/bin/python3, whose numpy, matplotlib and pytest
# come from apt. Override with -DPython_EXECUTABLE=... for another interpreter.
if(NOT DEFINED Python_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python interpreter for the module, tests and report")
endif()
find_package(Python 3.9 COMPONENTS Interpreter Development.Module)
nt_require(Python_FOUND "python3-dev")
