#include "advlab/threat/threat_model.h"

#include "advlab/core/error.h"
#include "advlab/threat/lp_norms.h"

namespace advlab {

std::shared_ptr<ThreatModel> make_threat_model(const std::string& norm) {
  if (norm == "linf" || norm == "inf") return std::make_shared<LinfThreat>();
  if (norm == "l2") return std::make_shared<L2Threat>();
  if (norm == "l1") return std::make_shared<L1Threat>();
  if (norm == "l0") return std::make_shared<L0Threat>();
  throw Error("unknown norm '" + norm + "' (expected linf, l2, l1 or l0)");
}

torch::Tensor outside_ball(const torch::Tensor& distance, double eps) {
  return distance > eps * (1 + 1e-5) + 1e-6;
}

torch::Tensor per_sample_eps(double eps, const torch::Tensor& ref) {
  return torch::full({ref.size(0)}, eps, ref.options().dtype(torch::kFloat32));
}

// flatten (not reshape to [N, -1]) so that an empty batch keeps its feature size.
torch::Tensor flat(const torch::Tensor& x) { return x.dim() >= 2 ? x.flatten(1) : x.reshape({x.size(0), 1}); }

torch::Tensor expand_like(const torch::Tensor& per_sample, const torch::Tensor& x) {
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  return per_sample.to(x.dtype()).view(shape);
}

}  // namespace advlab

namespace advlab {
torch::Tensor projected_step(const ThreatModel& threat, const torch::Tensor& origin, const torch::Tensor& x,
                             const torch::Tensor& grad, double step, const torch::Tensor& eps, double lower,
                             double upper) {
  return threat.project_in_box(origin, x + step * threat.ascent_direction(grad, x, lower, upper), eps, lower, upper);
}

torch::Tensor drop_outward_at_bounds(const torch::Tensor& g, const torch::Tensor& x, double lower, double upper) {
  return g.masked_fill(((x <= lower) & (g < 0)) | ((x >= upper) & (g > 0)), 0);
}

torch::Tensor ThreatModel::ascent_direction(const torch::Tensor& g, const torch::Tensor&, double, double) const {
  return normalize_grad(g);
}

torch::Tensor ThreatModel::project_in_box(const torch::Tensor& ref, const torch::Tensor& x, const torch::Tensor& eps,
                                          double lower, double upper) const {
  return project(ref, x, eps).clamp(lower, upper);
}
}  // namespace advlab
