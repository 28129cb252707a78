#pragma once
// Writes the outputs of one attack run into a folder:
//   metrics.json      summarize(run)
//   query_curve.json  metrics' query_curve: success rate within q queries (charted in
//                     report.html for black-box attacks)
//   adversarials.pt   torch.load-able dict: adversarials, perturbations, labels,
//                     clean_predictions, adversarial_predictions, success (+ targets)
//   grid.png          original | adversarial | magnified perturbation, with class names
//   report.html       a self-contained page showing the metrics and the grid
// The folder is replaced as a whole (io::write_result_folder): after a failure it holds
// exactly the previous report, never a mix.
#include "advlab/data/dataset.h"
#include "advlab/eval/attack_run.h"

#include <string>

namespace advlab::eval {

// The file every attack report holds: a folder without it is not replaced.
inline const std::string kAttackReportMarker = "metrics.json";

void write_attack_report(const std::string& dir, const AttackRun& run, const data::Dataset& dataset);

// Human-readable class name (falls back to the index).
std::string class_name(const data::Dataset& dataset, int64_t index);

}  // namespace advlab::eval
