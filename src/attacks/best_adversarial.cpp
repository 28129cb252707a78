#include "advlab/attacks/best_adversarial.h"

#include <limits>

namespace advlab {

BestAdversarial::BestAdversarial(const torch::Tensor& x)
    : adv_(x.detach().clone()),
      found_(torch::zeros({x.size(0)}, x.options().dtype(torch::kBool))),
      distance_(torch::full({x.size(0)}, std::numeric_limits<float>::infinity(),
                            x.options().dtype(torch::kFloat32))) {}

void BestAdversarial::update(const torch::Tensor& rows, const torch::Tensor& candidates,
                             const torch::Tensor& is_adv, const torch::Tensor& distance) {
  auto r = rows.to(adv_.device(), torch::kLong);
  auto adv = is_adv.to(adv_.device(), torch::kBool);
  auto better = distance.defined()
                    ? adv & (distance.to(distance_.device(), torch::kFloat32) < distance_.index_select(0, r))
                    : adv & ~found_.index_select(0, r);
  auto take = better.nonzero().squeeze(1);
  if (take.numel() == 0) return;
  auto target = r.index_select(0, take);
  adv_.index_copy_(0, target, candidates.detach().index_select(0, take).to(adv_.dtype()));
  found_.index_fill_(0, target, true);
  if (distance.defined())
    distance_.index_copy_(0, target, distance.to(distance_.device(), torch::kFloat32).index_select(0, take));
}

torch::Tensor BestAdversarial::remaining() const { return (~found_).nonzero().squeeze(1); }

}  // namespace advlab
