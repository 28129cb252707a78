#pragma once
// What every attack returns. All per-sample tensors are on the CPU.
#include <torch/types.h>

#include <map>
#include <string>

namespace advlab {

struct Distances {
  torch::Tensor l0, l1, l2, linf;  // float [N], between input and adversarial
};

struct AttackResult {
  torch::Tensor adversarials;  // [N, ...], inside bounds (and the eps-ball if bounded)
  torch::Tensor success;       // bool [N], verified by a fresh forward pass
  torch::Tensor predictions;   // int64 [N], the model's classes for the adversarials
  Distances distances;
  torch::Tensor queries;    // int64 [N], forward passes spent on each sample
  torch::Tensor gradients;  // int64 [N], input gradients computed for each sample
  int64_t iterations = 0;   // attack iterations run (the maximum over samples)
  // Minimum-norm attacks only (else undefined): float [N], the distance in the attack's
  // norm of the smallest verified adversarial found, before projection onto an eps-ball;
  // 0 for samples adversarial already, +inf where none was found. With eps given,
  // success == (minimum_distance <= eps) up to round-off, so one run gives the whole
  // robust-accuracy-vs-eps curve.
  torch::Tensor minimum_distance;
  // bool [N]: the attack queried an adversarial inside the budget for this sample but did
  // not return one ("silent success" in Pintor et al. 2022): a bug in the attack.
  torch::Tensor silent_failure;
  // Per-sample measurements that only some attacks make, by name, each float [N]; NaN
  // for samples the attack did not measure (e.g. adversarial already). For example the
  // natural attack's "latent_distance" (||z' - I(x)||, +inf where none was found).
  std::map<std::string, torch::Tensor> extras;
};

// Distances between x and adv, per sample, on the CPU.
Distances measure_distances(const torch::Tensor& x, const torch::Tensor& adv);

}  // namespace advlab
