#pragma once
// The samples a black-box attack is still working on. An attack drops a sample once it
// is adversarial or out of queries, and every per-sample tensor it keeps (start points,
// iterates, optimiser moments, current losses) must shrink with it, in step.
// ActiveSamples holds the indices into the oracle's batch and the criterion of those
// samples, and narrows the caller's tensors registered with track() together.
#include "advlab/attacks/blackbox/oracle.h"
#include "advlab/criteria/criterion.h"

#include <memory>
#include <vector>

namespace advlab {

class ActiveSamples {
 public:
  // Every sample of the oracle's batch that has at least `cost` queries left.
  ActiveSamples(Oracle& oracle, const Criterion& criterion, int64_t cost);
  ActiveSamples(const ActiveSamples&) = delete;
  ActiveSamples& operator=(const ActiveSamples&) = delete;

  // Indices into the oracle's batch (CPU, int64) and the criterion, both [size()].
  const torch::Tensor& indices() const { return indices_; }
  const Criterion& criterion() const { return *criterion_; }
  int64_t size() const { return indices_.size(0); }
  bool empty() const { return size() == 0; }

  // Registers a tensor of the caller's, [size(), ...] on any device (or still undefined:
  // it is skipped until defined), to be narrowed with the samples. It must outlive this.
  void track(torch::Tensor& state);
  // Keeps the samples where `keep` (bool [size()], any device) is true.
  void keep(const torch::Tensor& keep);
  // Keeps the samples that have at least `cost` queries left.
  void keep_affordable(int64_t cost);

 private:
  Oracle& oracle_;
  torch::Tensor indices_;
  std::shared_ptr<Criterion> criterion_;
  std::vector<torch::Tensor*> tracked_;
};

}  // namespace advlab
