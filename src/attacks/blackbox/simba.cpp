#include "advlab/attacks/blackbox/simba.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/blackbox/active_samples.h"
#include "advlab/attacks/blackbox/score_losses.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

namespace detail_simba {

torch::Tensor dct_matrix(int64_t n) {
  auto k = torch::arange(n, torch::kDouble).unsqueeze(1);
  auto i = torch::arange(n, torch::kDouble).unsqueeze(0);
  auto m = torch::cos(M_PI * (2 * i + 1) * k / (2.0 * double(n))) * std::sqrt(2.0 / double(n));
  m[0] = m[0] / std::sqrt(2.0);
  return m.to(torch::kFloat32);
}

torch::Tensor dct_order(int64_t C, int64_t H, int64_t W, int64_t freq_dims, int64_t stride, at::Generator& gen) {
  auto u = torch::arange(H, torch::kLong).view({1, H, 1}).expand({C, H, W});
  auto v = torch::arange(W, torch::kLong).view({1, 1, W}).expand({C, H, W});
  auto ring = torch::maximum(u, v).reshape({-1});  // how far out each frequency lies
  auto flat_index = torch::arange(C * H * W, torch::kLong);
  std::vector<torch::Tensor> parts;
  int64_t lo = 0;
  for (int64_t hi = freq_dims; lo < std::max(H, W); lo = hi, hi += stride) {
    auto members = flat_index.masked_select((ring >= lo) & (ring < hi));
    if (members.numel() == 0) continue;
    parts.push_back(members.index_select(0, at::randperm(members.numel(), gen, torch::kLong)));
  }
  return torch::cat(parts);
}

}  // namespace detail_simba

namespace {

// The orthonormal basis SimBA draws its directions from.
class SimbaBasis {
 public:
  SimbaBasis(bool dct, std::vector<int64_t> shape, int64_t freq_dims, int64_t stride, torch::Device device)
      : dct_(dct), shape_(std::move(shape)), freq_dims_(freq_dims), stride_(stride) {
    if (dct_) {
      dh_ = detail_simba::dct_matrix(shape_[1]).to(device);
      dw_ = detail_simba::dct_matrix(shape_[2]).to(device);
    }
    device_ = device;
  }
  int64_t size() const { return shape_[0] * shape_[1] * shape_[2]; }
  torch::Tensor order(at::Generator& gen) const {
    return dct_ ? detail_simba::dct_order(shape_[0], shape_[1], shape_[2], freq_dims_, stride_, gen)
                : at::randperm(size(), gen, torch::kLong);
  }
  // Unit-norm directions number indices[i] (int64 [n]), shaped [n, C, H, W].
  torch::Tensor directions(const torch::Tensor& indices) const {
    const int64_t n = indices.size(0), C = shape_[0], H = shape_[1], W = shape_[2];
    auto index = indices.to(device_);
    auto options = torch::TensorOptions().device(device_);
    if (!dct_) return torch::zeros({n, size()}, options).scatter_(1, index.unsqueeze(1), 1.0).view({n, C, H, W});
    auto c = index.div(H * W, "floor"), u = index.remainder(H * W).div(W, "floor"), v = index.remainder(W);
    auto plane = dh_.index_select(0, u).unsqueeze(2) * dw_.index_select(0, v).unsqueeze(1);  // [n, H, W]
    auto image = torch::zeros({n, C, H * W}, options);
    image.scatter_(1, c.view({n, 1, 1}).expand({n, 1, H * W}), plane.view({n, 1, H * W}));
    return image.view({n, C, H, W});
  }

 private:
  std::vector<int64_t> full_shape() const { return {1, shape_[0], shape_[1], shape_[2]}; }
  bool dct_;
  std::vector<int64_t> shape_;  // C, H, W
  int64_t freq_dims_, stride_;
  torch::Tensor dh_, dw_;
  torch::Device device_ = torch::kCPU;
};

}  // namespace

std::string SimbaOptions::basis_in_effect() const {
  if (!basis().empty()) return basis();
  return norm() == "l2" ? "dct" : "pixel";
}

const ParamTable<SimbaOptions>& SimbaOptions::table() {
  static const auto table = ParamTable<SimbaOptions>("simba", SimbaOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l2", "linf"})
      .add("queries", ADVLAB_FIELD(queries), "per-sample query budget, the clean check included; 0 = unlimited (needs steps)").at_least(0)
      .add("steps", ADVLAB_FIELD(steps), "most iterations; 0 = until the queries run out").at_least(0)
      .add("output", ADVLAB_FIELD(output), "what the oracle answers").one_of({"probs", "logits"})
      .add("basis", ADVLAB_FIELD(basis), "search directions; empty = dct for images, else pixel").one_of({"", "pixel", "dct"})
      .add("eps_step", ADVLAB_FIELD(eps_step), "size of each step; 0 = the norm's default").at_least(0).alias("step_size")
      .add("freq_dims", ADVLAB_FIELD(freq_dims), "dct: low-frequency block side; 0 = the image side / 4").at_least(0)
      .add("stride", ADVLAB_FIELD(stride), "dct: block growth per pass; 0 = default").at_least(0);
  return table;
}

SimbaAttack::SimbaAttack(SimbaOptions options)
    : BlackBoxAttack("simba", options.eps(), options.norm(), parse_score_output("simba", options.output()),
                     options.queries()),
      options_(std::move(options)) {
  SimbaOptions::table().validate(options_);
  require_stopping_rule("simba", options_.queries(), options_.steps());
}

nlohmann::json SimbaAttack::options_json() const {
  auto j = SimbaOptions::table().to_json(options_);
  j["basis"] = options_.basis_in_effect();
  return j;
}

torch::Tensor SimbaAttack::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  require_stopping_rule("simba", query_budget(), options_.steps());
  ADVLAB_CHECK(x.dim() == 4, "simba: inputs must be images [N, C, H, W], got ", x.sizes());
  const int64_t C = x.size(1), H = x.size(2), W = x.size(3);
  const bool dct = options_.basis_in_effect() == "dct";
  const int64_t freq_dims = options_.freq_dims() > 0 ? options_.freq_dims() : std::max<int64_t>(H / 4, 1);
  const int64_t stride = options_.stride() > 0 ? options_.stride() : std::max<int64_t>(H / 8, 1);
  // Default step: 0.2 in L2 (the paper's); in L-inf one whose largest pixel change is
  // about eps (a DCT direction peaks near 2 / sqrt(H W)).
  double step = options_.eps_step();
  if (step <= 0) step = threat().name() == "l2" ? 0.2 : (dct ? eps() * std::sqrt(double(H * W)) / 2 : eps());
  const auto bounds = oracle.bounds();
  auto device = x.device();
  SimbaBasis basis(dct, {C, H, W}, freq_dims, stride, device);
  BestAdversarial best(x);

  ActiveSamples active(oracle, criterion, 1);
  auto x0 = x.index_select(0, active.indices().to(device));
  auto xb = x0.clone();
  // Loss to lower: -log of the other classes' mass (untargeted, i.e. p_y drops) or
  // -log p_t (targeted); log-space keeps confident samples from rounding to p_y = 1.
  auto loss = score_cross_entropy(query_log_probabilities(oracle, xb, active.indices()), active.criterion());
  // Each sample walks its own order of directions, drawn from its own generator (the same
  // in any batch); all active samples are at the same position of theirs.
  auto draw_orders = [&] {
    return oracle.per_sample(active.indices(), [&](at::Generator& g, int64_t) { return basis.order(g).unsqueeze(0); });
  };
  auto order = draw_orders();  // [n, directions]
  for (auto* state : {&x0, &xb, &loss, &order}) active.track(*state);

  int64_t position = 0;
  bool queried_in_pass = false;
  for (int64_t it = 0;; ++it) {
    if (past_steps(it, options_.steps())) break;
    active.keep_affordable(1);
    if (active.empty()) break;
    if (position == order.size(1)) {  // every direction tried: fresh orders
      // A whole pass without a query (e.g. eps = 0: no step changes anything) ends it.
      if (!queried_in_pass) break;
      order = draw_orders();
      position = 0;
      queried_in_pass = false;
    }
    oracle.note_iterations(it + 1);
    auto q = basis.directions(order.select(1, position++));
    auto eps = per_sample_eps(this->eps(), x0);
    auto open = torch::ones({active.size()}, torch::kBool);  // no step kept yet
    auto adversarial = torch::zeros({active.size()}, torch::kBool);
    for (double sign : {-1.0, 1.0}) {
      auto candidate = bounds.clip(threat().project(x0, xb + sign * step * q, eps));
      auto changed = flat((candidate - xb).abs() > 1e-7).any(1).to(torch::kCPU);
      auto tried = (open & changed & (oracle.remaining(active.indices()) >= 1)).nonzero().squeeze(1);
      if (tried.numel() == 0) continue;
      queried_in_pass = true;
      auto td = tried.to(device);
      auto sub = active.criterion().select(tried);
      auto logp = query_log_probabilities(oracle, candidate.index_select(0, td), active.indices().index_select(0, tried));
      auto l = score_cross_entropy(logp, *sub);
      auto adv = surely_adversarial(oracle, logp, *sub);
      best.update(active.indices().index_select(0, tried), candidate.index_select(0, td), adv);
      auto keep = (l < loss.index_select(0, tried)) | adv;
      auto kept = tried.masked_select(keep);
      auto kd = kept.to(device);
      xb.index_copy_(0, kd, candidate.index_select(0, kd));
      loss.index_copy_(0, kept, l.masked_select(keep));
      open.index_fill_(0, kept, false);
      adversarial.index_fill_(0, tried.masked_select(adv), true);
    }
    active.keep(~adversarial);
  }
  return best.adversarials();
}

}  // namespace advlab
