#include "advlab/models/row_groups.h"

#include "advlab/core/threads.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

#include <dlfcn.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace advlab {

namespace {

// The OpenMP runtime LibTorch was built with (libgomp on Debian, its own copy in the PyPI
// wheel), looked up at run time: advlab itself is not an OpenMP program, and linking a
// second runtime would give the process two thread pools.
// MKL (the PyPI wheel's BLAS) keeps a count of its own, set process-wide by LibTorch; its
// per-thread override returns the one it replaces (0 = the process-wide one). The C entry
// point: the lower-case names are the Fortran ones, which take a pointer.
struct OpenMp {
  using Set = void (*)(int);
  using Get = int (*)();
  using SetLocal = int (*)(int);
  Set set = reinterpret_cast<Set>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  Get get = reinterpret_cast<Get>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
  SetLocal mkl_local = reinterpret_cast<SetLocal>(dlsym(RTLD_DEFAULT, "MKL_Set_Num_Threads_Local"));
  bool found() const { return set && get; }
};

const OpenMp& openmp() {
  static const OpenMp runtime;
  return runtime;
}

thread_local bool t_inside_group = false;
// The thread's OpenMP count outside SerialOperators (0: not inside one). Where no count
// was configured (the Python module), side_by_side_threads() falls back to LibTorch's,
// which SerialOperators has set to 1 for the attack's own operators: every pass then ran
// as one group, on one core.
thread_local int t_outer_threads = 0;

// Marks the running thread as inside a group while it lives.
class InsideGroup {
 public:
  InsideGroup() : before_(t_inside_group) { t_inside_group = true; }
  ~InsideGroup() { t_inside_group = before_; }

 private:
  bool before_;
};

// OpenBLAS (Debian's LibTorch calls it for matrix products) has one process-wide thread
// pool: two groups calling it at once with two threads each queue for it (the backward
// of a small CNN took 1.5x as long side by side as alone). One thread for it while groups
// run, then back.
class BlasOnOneThread {
 public:
  BlasOnOneThread() : before_(blas_threads()) {
    if (before_ > 1) set_blas_threads(1);
  }
  ~BlasOnOneThread() {
    if (before_ > 1) set_blas_threads(before_);
  }

 private:
  int before_;
};

// Threads kept for the process's lifetime; each runs its tasks on one OpenMP thread.
// Never destroyed: idle workers wait on a condition the process exit does not need.
class Workers {
 public:
  static Workers& instance() {
    static auto* workers = new Workers();
    return *workers;
  }

  // Returns once `count` threads have finished setting up: a thread's first LibTorch call
  // (at::get_num_threads in loop()) makes LibTorch set its thread count again, which
  // destroys and remakes the process's pthreadpool. Running alongside the caller, that
  // freed the pool twice when the caller left the process first (a tiny model's batch
  // done before the new thread started: a crash or a hang at exit in up to half of runs).
  void ensure(size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (threads_.size() < count) {
      threads_.emplace_back([this] { loop(); });
      started_cv_.wait(lock, [this] { return started_ == threads_.size(); });
    }
  }
  void push(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    ready_.notify_one();
  }
  // Runs one queued task on the calling thread, if there is one.
  bool help() {
    std::function<void()> task;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (tasks_.empty()) return false;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
    return true;
  }

 private:
  void loop() {
    at::get_num_threads();  // LibTorch sizes a thread's OpenMP at its first use: before ours
    openmp().set(1);
    if (openmp().mkl_local) openmp().mkl_local(1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++started_;
    }
    started_cv_.notify_all();
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return !tasks_.empty(); });
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable started_cv_;
  size_t started_ = 0;  // threads past their set-up
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
};

}  // namespace

SerialOperators::SerialOperators() {
  if (!openmp().found()) return;
  before_ = openmp().get();
  outer_before_ = t_outer_threads;
  if (t_outer_threads == 0) t_outer_threads = before_;  // nested: the outermost count
  openmp().set(1);
  if (openmp().mkl_local) mkl_before_ = openmp().mkl_local(1);
}

SerialOperators::~SerialOperators() {
  if (before_ > 0) openmp().set(before_);
  if (before_ > 0 && openmp().mkl_local) openmp().mkl_local(mkl_before_);
  if (before_ > 0) t_outer_threads = outer_before_;
}

int64_t side_by_side_threads() {
  if (!openmp().found() || t_inside_group || at::in_parallel_region()) return 1;
  const int configured = configured_threads();
  const int own = t_outer_threads > 0 ? t_outer_threads : at::get_num_threads();
  return std::max(1, configured > 0 ? configured : own);
}

std::vector<std::pair<int64_t, int64_t>> row_groups(int64_t n, int64_t unit, int64_t groups) {
  if (n <= 0) return {};
  if (unit <= 0 || groups <= 1 || n <= unit) return {{0, n}};
  const int64_t passes = (n + unit - 1) / unit;
  const int64_t count = std::min(groups, passes);
  std::vector<std::pair<int64_t, int64_t>> out;
  int64_t begin = 0;
  for (int64_t g = 0; g < count; ++g) {
    const int64_t share = passes / count + (g < passes % count ? 1 : 0);
    const int64_t end = std::min(n, begin + share * unit);
    out.emplace_back(begin, end);
    begin = end;
  }
  return out;
}

void run_side_by_side(int64_t count, const std::function<void(int64_t)>& body) {
  if (count <= 0) return;
  if (count == 1 || !openmp().found()) {
    for (int64_t g = 0; g < count; ++g) body(g);
    return;
  }
  const at::ThreadLocalState state;  // grad mode and the like, for the other threads
  std::mutex mutex;
  std::condition_variable finished;
  int64_t left = count;
  std::exception_ptr first_error;
  auto run_one = [&](int64_t g) {
    InsideGroup inside;
    try {
      body(g);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!first_error) first_error = std::current_exception();
    }
  };
  // The last thing a group's thread does: once `left` is 0 the caller returns (and may
  // leave the process), so everything else, the thread-local state put back included,
  // must be over by then.
  auto report_done = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    if (--left == 0) finished.notify_all();
  };
  BlasOnOneThread blas;  // until every group has finished (the wait below is in its scope)
  auto& workers = Workers::instance();
  workers.ensure(static_cast<size_t>(count - 1));
  for (int64_t g = 1; g < count; ++g)
    workers.push([&, g] {
      {
        at::ThreadLocalStateGuard guard(state);
        run_one(g);
      }
      report_done();
    });
  {
    SerialOperators one_thread;
    run_one(0);
    report_done();
    while (workers.help()) {  // tasks no worker has taken yet (or another caller's)
    }
  }
  std::unique_lock<std::mutex> lock(mutex);
  finished.wait(lock, [&] { return left == 0; });
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace advlab
