#pragma once
// Writes an evaluation into a folder:
//   report.json                 every number, the seed, each attack's parameters, the
//                               model file's and the data's CRC-32
//   report.html                 one self-contained page: robust accuracy vs eps chart
//                               (Chart.js, inlined), per-attack and per-class tables, the
//                               most and least robust samples, the warnings
//   adversarials-eps<E>.pt      per eps: the worst-case adversarial of every sample (the
//                               clean image where none was found), labels, robust flags
// The folder is replaced as a whole (io::write_result_folder): after a failure it holds
// exactly the previous report, never a mix.
#include "advlab/data/dataset.h"
#include "advlab/eval/robustness_evaluation.h"

#include <nlohmann/json.hpp>

#include <string>

namespace advlab::eval {

struct EvaluationInputs {
  std::string model_path;
  std::string data_spec;
};

nlohmann::json evaluation_json(const RobustnessEvaluation& evaluation, const data::Dataset& dataset,
                               const EvaluationInputs& inputs);

// {path, bytes, crc32} of a file (crc32 null when it cannot be read).
nlohmann::json file_fingerprint(const std::string& path);

// Where the evaluation's adversarials for one eps go inside the report folder.
std::string adversarials_file_name(double eps);

// The file every evaluation report holds: a folder without it is not replaced.
inline const std::string kEvaluationReportMarker = "report.json";

void write_evaluation_report(const std::string& dir, const RobustnessEvaluation& evaluation,
                             const data::Dataset& dataset, const EvaluationInputs& inputs);

}  // namespace advlab::eval
