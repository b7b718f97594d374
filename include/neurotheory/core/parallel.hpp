#pragma once
// One thread pool for the library: OpenMP. Work is split into tasks whose random streams are keyed
// by the task index, so results do not depend on the thread count. BLAS calls made inside a
// parallel region must run single-threaded (two cores are oversubscribed otherwise): every
// parallel loop here holds a blas_single_thread guard.
#include <cstddef>

namespace nt {

// Threads the pool uses, process-wide (default: OMP_NUM_THREADS or the number of cores). Every
// parallel region of the library runs with num_threads(thread_count()).
int thread_count();
void set_thread_count(int threads);

// Sets OpenBLAS to one thread for its lifetime, restoring the previous count after.
class blas_single_thread {
 public:
  blas_single_thread();
  ~blas_single_thread();
  blas_single_thread(const blas_single_thread&) = delete;
  blas_single_thread& operator=(const blas_single_thread&) = delete;
  blas_single_thread(blas_single_thread&&) = delete;
  blas_single_thread& operator=(blas_single_thread&&) = delete;

 private:
  int previous_;
};

}  // namespace nt
