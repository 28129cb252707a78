#pragma once
// The attack's view of the model: every forward pass and gradient goes through here, so
// queries and gradients are counted per sample, whatever subset the attack works on.
#include "advlab/attacks/losses.h"
#include "advlab/core/sample_random.h"
#include "advlab/criteria/criterion.h"
#include "advlab/models/classifier.h"
#include "advlab/threat/threat_model.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>

namespace advlab {

struct LossGradient {
  torch::Tensor loss;    // [n], detached
  torch::Tensor logits;  // [n, K], detached
  torch::Tensor grad;    // same shape as x
};

class AttackContext {
 public:
  // rows: int64 [n], for each sample of the attack's batch its index in the caller's
  // batch of `total` samples (where counts are kept).
  AttackContext(Classifier& model, at::Generator generator, torch::Tensor rows, int64_t total);

  Classifier& model() { return model_; }
  Bounds bounds() const { return model_.bounds(); }
  // One generator for the whole batch: its draws depend on how the data is batched.
  at::Generator& generator() { return generator_; }
  // Per-sample draws (sample_random.h), the same for a sample in any batch:
  // draw(generator, i) -> [1, ...] for each of `local` (undefined = the whole focus).
  torch::Tensor per_sample(const torch::Tensor& local,
                           const std::function<torch::Tensor(at::Generator&, int64_t)>& draw);
  // The same as per_sample with torch::rand({1, k}, g) / randint(0, 2, ...) * 2 - 1, in
  // one [n, k] float32 tensor (SampleRandom::uniform, signs).
  torch::Tensor per_sample_uniform(const torch::Tensor& local, int64_t k);
  torch::Tensor per_sample_signs(const torch::Tensor& local, int64_t k);
  void set_sample_random(SampleRandom random) { sample_random_ = std::move(random); }

  // Logits without a graph; counts one query for each of `local` (indices into the
  // attack's batch; undefined = all).
  torch::Tensor logits(const torch::Tensor& x, const torch::Tensor& local = {});
  // The same from the model's fast copy where it has one (Classifier::query_logits),
  // which agrees with logits() to float rounding only: for score queries far from the
  // boundary (black-box search), not for deciding that a point on it is adversarial, as
  // minimum-norm attacks must (the final verification uses the model itself).
  torch::Tensor fast_logits(const torch::Tensor& x, const torch::Tensor& local = {});
  // Loss and its gradient w.r.t. x; counts one query and one gradient per sample.
  LossGradient loss_gradient(const torch::Tensor& x, const AttackLoss& loss,
                             const Criterion& criterion, const torch::Tensor& local = {});

  // Several per-sample losses of one forward pass, one backward each (the graph kept in
  // between): loss [n, L], grad [n, L, ...x's sample shape]. For L gradients this costs one
  // forward instead of L. Counts one query and L gradients per sample.
  LossGradient loss_gradients(const torch::Tensor& x, const std::vector<const AttackLoss*>& losses,
                              const Criterion& criterion, const torch::Tensor& local = {});

  // Narrows the context to a subset: rows maps the attack's batch to the caller's.
  void focus(torch::Tensor rows) { rows_ = rows.to(torch::kCPU, torch::kLong); }

  // From now on, every answer is checked: a queried input that is adversarial under
  // `criterion` (rows = the caller's batch), inside the bounds and within `eps` of
  // `clean` (no eps = any distance) marks its sample in seen_adversarial(). run() compares
  // that with what the attack returned: an attack that saw an adversarial but did not
  // return it failed silently (Pintor et al. 2022).
  void watch(std::shared_ptr<const Criterion> criterion, torch::Tensor clean,
             const ThreatModel& threat, std::optional<double> eps);
  const torch::Tensor& seen_adversarial() const { return seen_; }
  // Turns the watch off (queries are still counted) for inputs that are not candidates of
  // the threat model: e.g. random physical views of a candidate, for expectation over
  // transformation, which may fool the model without being anything the attack could return.
  void set_watching(bool on) { watching_ = on; }

  void note_iterations(int64_t iterations) { iterations_ = std::max(iterations_, iterations); }

  // Records a per-sample measurement `name` (values [n] for `local`, undefined = the first
  // n samples) into AttackResult::extras; samples never recorded read NaN.
  void record(const std::string& name, const torch::Tensor& values, const torch::Tensor& local = {});
  const std::map<std::string, torch::Tensor>& extras() const { return extras_; }

  // Queries spent so far on each of `local` (undefined = every sample of the focus).
  torch::Tensor queries_of(const torch::Tensor& local = {}) const;

  const torch::Tensor& queries() const { return queries_; }
  const torch::Tensor& gradients() const { return gradients_; }
  int64_t iterations() const { return iterations_; }

 private:
  void count(torch::Tensor& counter, const torch::Tensor& local, int64_t n);
  torch::Tensor caller_rows(const torch::Tensor& local, int64_t n) const;
  SampleRandom& sample_random();  // made on first use when the caller set none
  // exact: the logits are the model's own (logits()), not query_logits()'s.
  void observe(const torch::Tensor& x, const torch::Tensor& logits, const torch::Tensor& local, bool exact);

  struct Watch {
    std::shared_ptr<const Criterion> criterion;
    torch::Tensor clean;
    const ThreatModel* threat;  // owned by the attack, which outlives its context
    std::optional<double> eps;
  };
  std::optional<Watch> watch_;
  torch::Tensor seen_;
  bool watching_ = true;

  Classifier& model_;
  at::Generator generator_;
  SampleRandom sample_random_;
  torch::Tensor rows_;
  torch::Tensor queries_, gradients_;
  int64_t iterations_ = 0;
  std::map<std::string, torch::Tensor> extras_;
};

}  // namespace advlab
