#pragma once
// Scheduler statistics of this process's threads for the workload drivers: how long the threads
// that computed queued for a CPU (wait_frac, read as ../shared/peers/peers_common.py reads it; a
// figure is trustworthy only when it is about 0, see bench/README.md).
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <system_error>

namespace nt::bench {

// Nanoseconds a thread spent on a CPU and runnable but waiting (/proc/self/task/*/schedstat).
struct sched_times {
  double run_ns = 0;
  double wait_ns = 0;
};

// Per thread id; empty where /proc is unavailable.
inline std::map<std::string, sched_times> thread_sched_times() {
  std::map<std::string, sched_times> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream f(task.path() / "schedstat");
    sched_times t;
    if (f >> t.run_ns >> t.wait_ns) out[task.path().filename().string()] = t;
  }
  return out;
}

// The summed queueing time of the threads that computed, over the wall time. Threads that ran
// under 2% of the wall time are idle helpers (OpenBLAS's pool spins on sched_yield and counts as
// runnable) and are left out.
inline double wait_fraction(const std::map<std::string, sched_times>& before,
                            const std::map<std::string, sched_times>& after, double wall_s) {
  if (!(wall_s > 0)) return 0.0;
  double wait = 0;
  for (const auto& [tid, t] : after) {
    const auto it = before.find(tid);
    const sched_times t0 = it == before.end() ? sched_times{} : it->second;
    if ((t.run_ns - t0.run_ns) * 1e-9 < 0.02 * wall_s) continue;
    wait += t.wait_ns - t0.wait_ns;
  }
  return wait * 1e-9 / wall_s;
}

}  // namespace nt::bench
