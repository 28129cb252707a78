#pragma once
// Per-sample bookkeeping of the best adversarial found so far. A sample's entry is
// replaced only by a newly verified adversarial, and (for minimum-norm attacks) only by
// a closer one, so later iterations or restarts can never lose an earlier success.
#include <torch/types.h>

namespace advlab {

class BestAdversarial {
 public:
  // Starts with the clean inputs and nothing found.
  explicit BestAdversarial(const torch::Tensor& x);

  // rows: indices into the batch; candidates [rows, ...]; is_adv bool [rows];
  // distance [rows] or undefined (first success wins).
  void update(const torch::Tensor& rows, const torch::Tensor& candidates,
              const torch::Tensor& is_adv, const torch::Tensor& distance = {});

  const torch::Tensor& adversarials() const { return adv_; }
  const torch::Tensor& found() const { return found_; }
  const torch::Tensor& distance() const { return distance_; }
  // Indices of samples with no adversarial yet.
  torch::Tensor remaining() const;

 private:
  torch::Tensor adv_, found_, distance_;
};

}  // namespace advlab
