#pragma once
// Work on a batch split across the cores: each core takes a contiguous group of whole
// fixed-row passes (fixed_row_passes.h) and runs them on its own, single-threaded.
//
// Why: on the CPU every call into the model has 8 rows, too little to share between
// threads (two threads on one 16-row pass made `eval` 1.6x slower than one thread). Whole
// passes side by side use every core, and since each pass runs on one thread as it would
// with one thread in all, every logit and gradient is the same bit for bit whatever the
// thread count.
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace advlab {

// [begin, end) row ranges covering n rows: at most `groups` of them, each a whole number
// of `unit`-row passes except the last, the passes shared as evenly as they divide.
// unit <= 0 or groups <= 1 or n <= unit: one range (or none for n = 0).
std::vector<std::pair<int64_t, int64_t>> row_groups(int64_t n, int64_t unit, int64_t groups);

// How many groups may run side by side here: the thread count configure_threads() set
// (LibTorch's intra-op count if it was never called); 1 inside a group, or where
// LibTorch's OpenMP runtime is not found.
int64_t side_by_side_threads();

// While it lives, LibTorch's operators on the constructing thread run on that thread
// alone (OpenMP's thread count is per thread, and MKL's where LibTorch uses MKL); the
// counts it had come back after. For
// work made of many small operators around passes that run side by side: with more
// threads, the operators' OpenMP helpers spin between them on the cores the groups need.
class SerialOperators {
 public:
  SerialOperators();
  ~SerialOperators();
  SerialOperators(const SerialOperators&) = delete;
  SerialOperators& operator=(const SerialOperators&) = delete;

 private:
  int before_ = 0;
  int mkl_before_ = 0;
  int outer_before_ = 0;
};

// Runs body(g) for g in [0, count): body(0) on the calling thread, the others on threads
// kept for the purpose, each with the caller's thread-local state (grad mode, inference
// mode) and its operators on that one thread. count should be <= side_by_side_threads().
// Returns when all have finished; rethrows the first exception a body threw.
void run_side_by_side(int64_t count, const std::function<void(int64_t)>& body);

}  // namespace advlab
