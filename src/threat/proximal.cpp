#include "advlab/threat/proximal.h"

#include "advlab/core/error.h"
#include "advlab/threat/lp_norms.h"
#include "advlab/threat/threat_model.h"

#include <torch/torch.h>

namespace advlab {

torch::Tensor prox_l1(const torch::Tensor& v, const torch::Tensor& lambda) {
  return v.sign() * torch::relu(v.abs() - expand_like(lambda, v));
}

torch::Tensor prox_l2(const torch::Tensor& v, const torch::Tensor& lambda) {
  auto keep = torch::relu(1 - lambda.to(v.dtype()) / flat(v).norm(2, 1).clamp_min(1e-12));
  return v * expand_like(keep, v);
}

torch::Tensor prox_linf(const torch::Tensor& v, const torch::Tensor& lambda) {
  return v - project_l1_ball(flat(v), lambda).view_as(v);
}

ProximalOperator proximal_operator(const std::string& norm) {
  if (norm == "l1") return prox_l1;
  if (norm == "l2") return prox_l2;
  if (norm == "linf") return prox_linf;
  throw Error("no proximal operator for norm '" + norm + "' (expected l1, l2 or linf)");
}

}  // namespace advlab
