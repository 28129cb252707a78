#include "advlab/attacks/blackbox/finite_differences.h"

#include "advlab/attacks/blackbox/score_losses.h"

#include <torch/torch.h>

namespace advlab {

torch::Tensor antithetic_gradient(Oracle& oracle, const torch::Tensor& x, const torch::Tensor& local,
                                  const Criterion& criterion, const torch::Tensor& directions, double c,
                                  const std::string& loss) {
  const int64_t n = x.size(0), k = directions.size(1);
  auto center = x.unsqueeze(1);
  auto probes = oracle.bounds().clip(torch::cat({center + c * directions, center - c * directions}, 1));
  auto shape = x.sizes().vec();
  shape[0] = n * 2 * k;
  auto owner = torch::arange(n, torch::kLong).repeat_interleave(2 * k);  // probe -> sample
  auto logp = query_log_probabilities(oracle, probes.reshape(shape), local.index_select(0, owner));
  auto values = score_loss(loss, logp, *criterion.select(owner)).view({n, 2 * k});
  auto diff = (values.narrow(1, 0, k) - values.narrow(1, k, k)).to(x.device());  // [n, k]
  std::vector<int64_t> view = {n, k};
  for (int64_t d = 1; d < x.dim(); ++d) view.push_back(1);
  return (diff.view(view) * directions).sum(1) / (2 * c * static_cast<double>(k));
}

}  // namespace advlab
