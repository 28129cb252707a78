#pragma once
// What an interrupted `advlab eval` has finished, saved so `--resume` can continue it:
// every finished eps, the finished attacks of the current one (which samples each ran on
// and broke, the adversarials kept) and the finished batches of the attack under way.
// One tensor file, written atomically, so a SIGKILL at any moment leaves either the
// previous state or the new one. A state records the identity of the evaluation it
// belongs to (model and data checksums, suite, eps, seed, options), and loading it for
// another evaluation is an error.
#include "advlab/attacks/attack_result.h"
#include "advlab/eval/robustness_evaluation.h"
#include "advlab/io/tensor_file.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace advlab::eval {

// The batches of the attack under way that have finished.
struct PartialStage {
  int64_t batches = 0;
  double seconds = 0;
  AttackResult result;  // over the first `batches` batches of the attacked samples
};

struct EvaluationState {
  nlohmann::json identity;
  size_t finished_eps = 0;               // per_eps[0, finished_eps) are complete
  std::vector<EpsEvaluation> per_eps;    // complete ones, then the current one (if any)
  torch::Tensor smallest_distance;       // as in RobustnessEvaluation
  std::optional<PartialStage> partial;   // the current eps's next stage, begun
};

// An AttackResult as named tensors under `prefix` and back (iterations excepted), for
// state files and for sending results between ranks (shared_attack_run.h).
void put_result(io::NamedTensors& out, const std::string& prefix, const AttackResult& r);
AttackResult take_result(const std::map<std::string, torch::Tensor>& in, const std::string& prefix);

void save_evaluation_state(const std::string& path, const EvaluationState& state);
// Throws advlab::Error when the file is unreadable, damaged, or belongs to an evaluation
// whose identity differs from `identity` (naming the first field that differs).
EvaluationState load_evaluation_state(const std::string& path, const nlohmann::json& identity);

}  // namespace advlab::eval
