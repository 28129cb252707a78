#include "progress_meter.h"

#include "advlab/core/progress.h"

#include <cstdio>
#include <ostream>
#include <string>

namespace advlab::models {

namespace {

// Redrawing at most this often keeps a redirected log short on fast, small batches.
constexpr std::chrono::milliseconds kRedrawInterval{200};

}  // namespace

ProgressMeter::ProgressMeter(std::ostream* out, int64_t epoch, int64_t epochs, int64_t steps)
    : out_(out), epoch_(epoch), epochs_(epochs), steps_(steps) {}

void ProgressMeter::update(int64_t batch, double loss, int64_t correct) {
  ++step_;
  images_ += batch;
  correct_ += correct;
  loss_sum_ += loss * static_cast<double>(batch);
  if (out_ && Clock::now() - last_print_ >= kRedrawInterval) print(false);
}

void ProgressMeter::finish() {
  if (out_) print(true);
}

void ProgressMeter::print(bool final_line) {
  last_print_ = Clock::now();
  double elapsed = std::chrono::duration<double>(last_print_ - start_).count();
  double rate = elapsed > 0 ? images_ / elapsed : 0.0;
  double eta = step_ > 0 ? elapsed * static_cast<double>(steps_ - step_) / step_ : 0.0;
  char line[160];
  std::snprintf(line, sizeof line,
                "epoch %lld/%lld  step %lld/%lld  loss %.4f  acc %.2f%%  %.0f img/s  %s %s",
                static_cast<long long>(epoch_), static_cast<long long>(epochs_),
                static_cast<long long>(step_), static_cast<long long>(steps_), mean_loss(),
                100.0 * accuracy(), rate, final_line ? "took" : "eta",
                format_duration(final_line ? elapsed : eta).c_str());
  // Trailing spaces wipe what a longer previous line left behind.
  *out_ << '\r' << line << "   " << (final_line ? "\n" : "") << std::flush;
}

}  // namespace advlab::models
