#pragma once
// The black-box setting made real: an Oracle answers queries about inputs and nothing
// else. It exposes scores (probabilities or logits) or only the predicted label, as the
// threat model allows; it has no gradient path (an input that requires grad is refused,
// outputs carry no graph); it counts every query per sample and refuses a query that
// would take any sample past its budget. Black-box attacks receive an Oracle, never
// the model.
#include "advlab/attacks/attack_context.h"

#include <string>

namespace advlab {

enum class OracleOutput { kProbabilities, kLogits, kLabel };

// "probs" | "logits" | "label"; throws advlab::Error otherwise.
OracleOutput parse_oracle_output(const std::string& name);
std::string oracle_output_name(OracleOutput output);

class Oracle {
 public:
  // budget: the most queries any one sample may cost over the whole attack, counting
  // those already spent (the base class's clean check); <= 0 means unlimited.
  Oracle(AttackContext& context, OracleOutput output, int64_t budget);

  OracleOutput output() const { return output_; }
  // Whether score answers are the model's own (false: its inference copy's).
  bool queries_are_exact() const { return context_.model().queries_are_exact(); }
  int64_t budget() const { return budget_; }
  int64_t num_classes() const;
  Bounds bounds() const { return context_.bounds(); }
  at::Generator& generator() { return context_.generator(); }
  // Per-sample draws for `local` (see AttackContext::per_sample).
  torch::Tensor per_sample(const torch::Tensor& local,
                           const std::function<torch::Tensor(at::Generator&, int64_t)>& draw) {
    return context_.per_sample(local, draw);
  }
  torch::Tensor per_sample_uniform(const torch::Tensor& local, int64_t k) { return context_.per_sample_uniform(local, k); }
  torch::Tensor per_sample_signs(const torch::Tensor& local, int64_t k) { return context_.per_sample_signs(local, k); }

  // In all three, x [n, ...] are inputs for the samples `local` (indices into the
  // attack's batch; undefined = the first n) and each costs one query per row.
  // Scores [n, K]; throws advlab::Error for a label-only oracle. Score queries may go
  // through the model's fast copy (AttackContext::fast_logits); labels and
  // is_adversarial, which label-only attacks bisect to the boundary with, do not.
  torch::Tensor scores(const torch::Tensor& x, const torch::Tensor& local = {});
  // Predicted classes, int64 [n].
  torch::Tensor labels(const torch::Tensor& x, const torch::Tensor& local = {});
  // bool [n]: is each x adversarial under `criterion` (rows already matching x)?
  torch::Tensor is_adversarial(const torch::Tensor& x, const Criterion& criterion,
                               const torch::Tensor& local = {});

  // Queries left for each of `local` (undefined = every sample); a large number when
  // unlimited.
  torch::Tensor remaining(const torch::Tensor& local = {}) const;
  // The entries of `local` (undefined = all) with at least `k` queries left.
  torch::Tensor with_budget(int64_t k, const torch::Tensor& local = {}) const;
  // Queries spent so far, int64 [n] for `local`.
  torch::Tensor spent(const torch::Tensor& local = {}) const { return context_.queries_of(local); }

  void note_iterations(int64_t iterations) { context_.note_iterations(iterations); }
  // A per-sample measurement for AttackResult::extras (see AttackContext::record).
  void record(const std::string& name, const torch::Tensor& values, const torch::Tensor& local = {}) {
    context_.record(name, values, local);
  }

 private:
  torch::Tensor query(const torch::Tensor& x, const torch::Tensor& local, bool fast);

  AttackContext& context_;
  OracleOutput output_;
  int64_t budget_;
};

}  // namespace advlab
