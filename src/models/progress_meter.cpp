#include "progress_meter.h"

#include "advlab/core/progress.h"

#include <cstdio>
#include <ostream>
#include <string>

namespace advlab::models {

ProgressMeter::ProgressMeter(std::ostream* out, int64_t epoch, int64_t epochs, int64_t steps)
    : writer_(out), epoch_(epoch), epochs_(epochs), steps_(steps) {}

void ProgressMeter::update(int64_t batch, double loss, int64_t correct) {
  ++step_;
  images_ += batch;
  correct_ += correct;
  loss_sum_ += loss * static_cast<double>(batch);
  if (writer_.due(false)) print(false);
}

void ProgressMeter::finish() {
  if (!writer_.silent()) print(true);
}

void ProgressMeter::print(bool final_line) {
  double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  double rate = elapsed > 0 ? images_ / elapsed : 0.0;
  double eta = step_ > 0 ? elapsed * static_cast<double>(steps_ - step_) / step_ : 0.0;
  char line[160];
  std::snprintf(line, sizeof line,
                "epoch %lld/%lld  step %lld/%lld  loss %.4f  acc %.2f%%  %.0f img/s  %s %s",
                static_cast<long long>(epoch_), static_cast<long long>(epochs_),
                static_cast<long long>(step_), static_cast<long long>(steps_), mean_loss(),
                100.0 * accuracy(), rate, final_line ? "took" : "eta",
                format_duration(final_line ? elapsed : eta).c_str());
  nlohmann::json event = {{"label", "train"}, {"epoch", epoch_},     {"epochs", epochs_},
                          {"step", step_},     {"steps", steps_},     {"loss", mean_loss()},
                          {"accuracy", accuracy()}, {"rate", rate}, {"elapsed_s", elapsed}};
  if (!final_line) event["eta_s"] = eta;
  writer_.write(line, std::move(event), final_line);
}

}  // namespace advlab::models
