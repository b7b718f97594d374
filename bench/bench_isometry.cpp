// Google Benchmark: the kernels of the Jacobian simulation (nt::isometry, W2).
//   dgemm N^3 on one core, and on two cores (OpenBLAS's threads, or two OpenMP threads on column
//   halves as simulate_jacobian splits J)                     FLOP = 2 N^3 rate
//   Haar sampling: householder_orthogonal (Stewart 1980, O(N^2)) vs QR of a Gaussian matrix
//   Applying a Haar O to an N x N block: compact-WY reflectors (the library's choice), LAPACK's
//   dormqr, explicit Q (dorgqr) + GEMM                        FLOP = 2 N^3 (the product's work)
//   simulate_jacobian per layer (direct and qr), 1 and 2 threads  FLOP = the product's 2 N^3 / layer
//   row_scaled_log_singular_values (one-sided Jacobi)
// Run: build/release/bench/bench_isometry [--benchmark_filter=REGEX]; see bench/README.md.
#include <benchmark/benchmark.h>
#include <lapacke.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/random.hpp"
#include "neurotheory/isometry/jacobian.hpp"

extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace {

double cube(Eigen::Index n) { return static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n); }

void set_flops(benchmark::State& state, double per_iteration) {
  state.counters["FLOP"] =
      benchmark::Counter(per_iteration * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

Eigen::MatrixXd gaussian(Eigen::Index rows, Eigen::Index cols, std::uint64_t id) {
  Eigen::MatrixXd m(rows, cols);
  nt::rng::stream s(77, {id});
  s.fill_normal({m.data(), static_cast<std::size_t>(m.size())});
  return m;
}

// C = A B on one core (OpenBLAS single-threaded).
void bm_dgemm_one_core(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const Eigen::MatrixXd a = gaussian(n, n, 1), b = gaussian(n, n, 2);
  Eigen::MatrixXd c(n, n);
  const nt::blas_single_thread guard;
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * cube(n));
}

// C = A B with OpenBLAS's own two threads.
void bm_dgemm_openblas_threads(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const Eigen::MatrixXd a = gaussian(n, n, 1), b = gaussian(n, n, 2);
  Eigen::MatrixXd c(n, n);
  const int previous = openblas_get_num_threads();
  openblas_set_num_threads(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  openblas_set_num_threads(previous);
  set_flops(state, 2.0 * cube(n));
}

// C = A B as simulate_jacobian splits it: OpenMP threads on fixed column blocks (64 columns per
// 256 of N, 64 to 256), one BLAS thread each.
void bm_dgemm_column_blocks(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const Eigen::MatrixXd a = gaussian(n, n, 1), b = gaussian(n, n, 2);
  Eigen::MatrixXd c(n, n);
  const Eigen::Index block = std::clamp<Eigen::Index>(64 * (n / 256), 64, 256), blocks = (n + block - 1) / block;
  const nt::blas_single_thread guard;
  for (auto _ : state) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (Eigen::Index k = 0; k < blocks; ++k) {
      const Eigen::Index c0 = k * block, nc = std::min(block, n - c0);
      c.middleCols(c0, nc).noalias() = a * b.middleCols(c0, nc);
    }
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * cube(n));
}

// Haar sampling: the reflectors only (what a product needs), the explicit matrix, and the QR of a
// Gaussian matrix it replaces (dgeqrf + dorgqr + Mezzadri's signs).
void bm_householder_sample(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  nt::householder_orthogonal o;
  nt::rng::stream s(5, {1});
  const nt::blas_single_thread guard;
  for (auto _ : state) {
    o.sample(s, n);
    benchmark::DoNotOptimize(o.tau().data());
  }
  state.SetItemsProcessed(state.iterations() * n * n);
}

void bm_householder_matrix(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  Eigen::MatrixXd w(n, n);
  nt::rng::stream s(5, {2});
  const nt::blas_single_thread guard;
  for (auto _ : state) {
    nt::haar_orthogonal_matrix(s, 1.0, w);
    benchmark::DoNotOptimize(w.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n * n);
}

void bm_qr_haar_reference(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const auto ln = static_cast<lapack_int>(n);
  Eigen::MatrixXd a(n, n);
  Eigen::VectorXd tau(n), signs(n);
  nt::rng::stream s(5, {3});
  double q1 = 0, q2 = 0;
  LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, ln, ln, a.data(), ln, tau.data(), &q1, -1);
  LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, ln, ln, ln, a.data(), ln, tau.data(), &q2, -1);
  std::vector<double> work(static_cast<std::size_t>(std::max(q1, q2)));
  const auto lw = static_cast<lapack_int>(work.size());
  const nt::blas_single_thread guard;
  for (auto _ : state) {
    s.fill_normal({a.data(), static_cast<std::size_t>(a.size())});
    LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, ln, ln, a.data(), ln, tau.data(), work.data(), lw);
    for (Eigen::Index i = 0; i < n; ++i) signs[i] = a(i, i) < 0.0 ? -1.0 : 1.0;
    LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, ln, ln, ln, a.data(), ln, tau.data(), work.data(), lw);
    a *= signs.asDiagonal();
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n * n);
}

// One layer's orthogonal product X <- O^T X (N x N), three ways.
enum class apply_kind { wy, dormqr, explicit_gemm };

void bm_orthogonal_apply(benchmark::State& state, apply_kind kind) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  nt::householder_orthogonal o;
  nt::rng::stream s(5, {4});
  o.sample(s, n);
  const Eigen::MatrixXd x0 = gaussian(n, n, 3);
  Eigen::MatrixXd x = x0, y(n, n), work(nt::householder_orthogonal::block_size, n), q;
  const auto ln = static_cast<lapack_int>(n);
  std::vector<double> lwork;
  if (kind == apply_kind::dormqr) {
    double query = 0;
    LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'T', ln, ln, ln, o.reflector_vectors().data(), ln, o.tau().data(),
                        x.data(), ln, &query, -1);
    lwork.resize(static_cast<std::size_t>(query));
  }
  const nt::blas_single_thread guard;
  for (auto _ : state) {
    switch (kind) {
      case apply_kind::wy:
        o.apply_reflectors(x, true, work);
        break;
      case apply_kind::dormqr:
        LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'T', ln, ln, ln, o.reflector_vectors().data(), ln, o.tau().data(),
                            x.data(), ln, lwork.data(), static_cast<lapack_int>(lwork.size()));
        break;
      case apply_kind::explicit_gemm:
        q = o.matrix();  // dorgqr: 4/3 N^3
        y.noalias() = q.transpose() * x;
        x.swap(y);
        break;
    }
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * cube(n));
}

// simulate_jacobian: tanh near criticality (the W2 network), width N, depth L, one seed; time per
// layer and the product's rate (2 N^3 per layer) as the library reports it.
void bm_jacobian(benchmark::State& state, const std::string& weights, const std::string& method) {
  nt::isometry::jacobian_options o;
  o.network = {"tanh", 1.05 * 1.05, 0.025 * 0.025, 0};
  o.weights = weights;
  o.width = static_cast<int>(state.range(0));
  o.depth = static_cast<int>(state.range(1));
  o.seeds = 1;
  o.method = method;
  const int previous = nt::thread_count();
  nt::set_thread_count(static_cast<int>(state.range(2)));
  double gflops = 0, sample = 0, product = 0, svd = 0;
  for (auto _ : state) {
    const auto r = nt::isometry::simulate_jacobian(o);
    gflops += r.product_gflops;
    sample += r.seconds_sample;
    product += r.seconds_product;
    svd += r.seconds_svd;
    benchmark::DoNotOptimize(r.mean);
  }
  nt::set_thread_count(previous);
  const auto it = static_cast<double>(state.iterations());
  state.counters["product_GFLOPs"] = gflops / it;
  state.counters["ms_sample"] = 1e3 * sample / it;
  state.counters["ms_product"] = 1e3 * product / it;
  state.counters["ms_svd"] = 1e3 * svd / it;
  state.SetItemsProcessed(state.iterations() * state.range(1));  // layers
}

// One-sided Jacobi on n x n rows with scales spread over [-spread, spread].
void bm_row_scaled_jacobi(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const double spread = static_cast<double>(state.range(1));
  const Eigen::MatrixXd rows = gaussian(n, n, 9);
  const Eigen::ArrayXd scale = Eigen::ArrayXd::LinSpaced(n, spread, -spread);
  for (auto _ : state) {
    const Eigen::ArrayXd s = nt::isometry::row_scaled_log_singular_values(rows, scale);
    benchmark::DoNotOptimize(s.data());
  }
}

void register_all() {
  for (const int n : {256, 512, 1024}) {
    benchmark::RegisterBenchmark("dgemm/1core", bm_dgemm_one_core)->Arg(n)->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("dgemm/openblas_threads", bm_dgemm_openblas_threads)
      ->Args({512, 2})
      ->Args({1024, 2})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("dgemm/column_blocks", bm_dgemm_column_blocks)
      ->Args({512, 1})
      ->Args({512, 2})
      ->Args({1024, 2})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();

  for (const int n : {256, 512, 1024}) {
    benchmark::RegisterBenchmark("haar/householder_reflectors", bm_householder_sample)
        ->Arg(n)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("haar/householder_matrix", bm_householder_matrix)
        ->Arg(n)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("haar/qr_of_gaussian", bm_qr_haar_reference)->Arg(n)->Unit(benchmark::kMillisecond);
  }

  for (const int n : {256, 512}) {
    benchmark::RegisterBenchmark("orthogonal_apply/compact_wy", bm_orthogonal_apply, apply_kind::wy)
        ->Arg(n)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("orthogonal_apply/dormqr", bm_orthogonal_apply, apply_kind::dormqr)
        ->Arg(n)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("orthogonal_apply/dorgqr_then_gemm", bm_orthogonal_apply, apply_kind::explicit_gemm)
        ->Arg(n)
        ->Unit(benchmark::kMillisecond);
  }

  for (const std::string weights : {"orthogonal", "gaussian"}) {
    benchmark::RegisterBenchmark(("jacobian/direct/" + weights).c_str(), bm_jacobian, weights, std::string("direct"))
        ->Args({512, 16, 1})
        ->Args({512, 16, 2})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("jacobian/qr/" + weights).c_str(), bm_jacobian, weights, std::string("qr"))
        ->Args({256, 16, 2})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }

  benchmark::RegisterBenchmark("row_scaled_jacobi", bm_row_scaled_jacobi)
      ->Args({64, 0})
      ->Args({64, 500})
      ->Args({256, 0})
      ->Args({256, 500})
      ->Unit(benchmark::kMillisecond);
}

// Registered at static initialisation, before benchmark_main's main() runs.
[[maybe_unused]] const bool registered = (register_all(), true);

}  // namespace
