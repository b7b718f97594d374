#include "neurotheory/core/parallel.hpp"
#include <omp.h>

#include <atomic>

#include "neurotheory/core/error.hpp"

extern "C" {
// OpenBLAS's thread controls (declared in its cblas.h, which clashes with Eigen's BLAS prototypes).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace nt {

namespace {
// One setting for the whole process: omp_set_num_threads() only affects the calling thread, so
// every parallel region passes num_threads(thread_count()) instead.
std::atomic<int>& pool_size() {
  static std::atomic<int> size{omp_get_max_threads()};
  return size;
}
}  // namespace

int thread_count() { return pool_size().load(); }

void set_thread_count(int threads) {
  require_at_least("threads", threads, 1);
  pool_size().store(threads);
}

blas_single_thread::blas_single_thread() : previous_(openblas_get_num_threads()) {
  if (previous_ != 1) openblas_set_num_threads(1);
}

blas_single_thread::~blas_single_thread() {
  if (previous_ != 1) openblas_set_num_threads(previous_);
}

}  // namespace nt
