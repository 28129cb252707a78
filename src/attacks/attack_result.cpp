#include "advlab/attacks/attack_result.h"

#include "advlab/threat/lp_norms.h"

namespace advlab {

Distances measure_distances(const torch::Tensor& x, const torch::Tensor& adv) {
  auto a = adv.detach().to(torch::kCPU, torch::kFloat32);
  auto r = x.detach().to(torch::kCPU, torch::kFloat32);
  return {L0Threat().distance(r, a), L1Threat().distance(r, a), L2Threat().distance(r, a),
          LinfThreat().distance(r, a)};
}

}  // namespace advlab
