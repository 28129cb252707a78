#pragma once
// The training progress line: epoch, step/total, running loss and accuracy, images/s and
// time left in the epoch, written in the process's log format (see core/log_format.h);
// each epoch ends with a final line.
#include "advlab/core/progress.h"

#include <chrono>
#include <cstdint>
#include <iosfwd>

namespace advlab::models {

class ProgressMeter {
 public:
  // `out` may be null (no output; the running averages are still kept).
  ProgressMeter(std::ostream* out, int64_t epoch, int64_t epochs, int64_t steps);

  // One finished step over `batch` images with mean loss `loss` and `correct` hits.
  void update(int64_t batch, double loss, int64_t correct);
  // Prints the final line of the epoch and a newline.
  void finish();

  double mean_loss() const { return images_ > 0 ? loss_sum_ / images_ : 0.0; }
  double accuracy() const { return images_ > 0 ? static_cast<double>(correct_) / images_ : 0.0; }

 private:
  void print(bool final_line);

  using Clock = std::chrono::steady_clock;
  ProgressWriter writer_;
  int64_t epoch_, epochs_, steps_;
  int64_t step_ = 0, images_ = 0, correct_ = 0;
  double loss_sum_ = 0;
  Clock::time_point start_ = Clock::now();
};

}  // namespace advlab::models
