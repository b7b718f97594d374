#include "neurotheory/core/parallel.hpp"
#include <omp.h>

#include "neurotheory/core/error.hpp"

extern "C" {
// OpenBLAS's thread controls (declared in its cblas.h, which clashes with Eigen's BLAS prototypes).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace nt {

int thread_count() { return omp_get_max_threads(); }

void set_thread_count(int threads) {
  require_at_least("threads", threads, 1);
  omp_set_num_threads(threads);
}

blas_single_thread::blas_single_thread() : previous_(openblas_get_num_threads()) {
  if (previous_ != 1) openblas_set_num_threads(1);
}

blas_single_thread::~blas_single_thread() {
  if (previous_ != 1) openblas_set_num_threads(previous_);
}

}  // namespace nt
