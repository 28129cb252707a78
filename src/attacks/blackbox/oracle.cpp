#include "advlab/attacks/blackbox/oracle.h"

#include "advlab/core/error.h"

#include <torch/torch.h>

#include <limits>

namespace advlab {

OracleOutput parse_oracle_output(const std::string& name) {
  if (name == "probs" || name == "probabilities") return OracleOutput::kProbabilities;
  if (name == "logits") return OracleOutput::kLogits;
  if (name == "label") return OracleOutput::kLabel;
  throw Error("unknown oracle output '" + name + "' (known: probs, logits, label)");
}

std::string oracle_output_name(OracleOutput output) {
  switch (output) {
    case OracleOutput::kProbabilities: return "probs";
    case OracleOutput::kLogits: return "logits";
    case OracleOutput::kLabel: return "label";
  }
  return "?";
}

Oracle::Oracle(AttackContext& context, OracleOutput output, int64_t budget)
    : context_(context), output_(output), budget_(budget) {}

int64_t Oracle::num_classes() const { return context_.model().num_classes(); }

torch::Tensor Oracle::remaining(const torch::Tensor& local) const {
  auto spent = context_.queries_of(local);
  if (budget_ <= 0) return torch::full_like(spent, std::numeric_limits<int32_t>::max());
  return (budget_ - spent).clamp_min(0);
}

torch::Tensor Oracle::with_budget(int64_t k, const torch::Tensor& local) const {
  auto idx = local.defined() ? local.to(torch::kCPU, torch::kLong)
                             : torch::arange(context_.queries_of().size(0), torch::kLong);
  auto ok = (remaining(idx) >= k).nonzero().squeeze(1);
  return idx.index_select(0, ok);
}

torch::Tensor Oracle::query(const torch::Tensor& x, const torch::Tensor& local, bool fast) {
  ADVLAB_CHECK(!x.requires_grad(),
               "black-box oracle: the input requires grad, but a black-box attack gets no gradients");
  auto rows = local.defined() ? local : torch::arange(x.size(0), torch::kLong);
  ADVLAB_CHECK(rows.size(0) == x.size(0), "oracle query: ", x.size(0), " inputs for ", rows.size(0),
               " samples");
  if (budget_ > 0 && x.size(0) > 0) {
    // A sample may appear several times in one batch (e.g. finite differences): each row
    // costs a query, so compare the rows per sample with what it has left.
    auto [samples, inverse, needed] = at::_unique2(rows.to(torch::kCPU, torch::kLong), true, false, true);
    auto over = (remaining(samples) < needed).nonzero();
    ADVLAB_CHECK(over.numel() == 0, "black-box oracle: query budget of ", budget_,
                 " exceeded (the attack must stop at its budget)");
  }
  return (fast ? context_.fast_logits(x.detach(), rows) : context_.logits(x.detach(), rows)).detach();
}

torch::Tensor Oracle::scores(const torch::Tensor& x, const torch::Tensor& local) {
  ADVLAB_CHECK(output_ != OracleOutput::kLabel, "black-box oracle: this oracle answers labels only");
  auto z = query(x, local, /*fast=*/true);
  return output_ == OracleOutput::kProbabilities ? torch::softmax(z, 1) : z;
}

torch::Tensor Oracle::labels(const torch::Tensor& x, const torch::Tensor& local) {
  return query(x, local, /*fast=*/false).argmax(1);
}

torch::Tensor Oracle::is_adversarial(const torch::Tensor& x, const Criterion& criterion,
                                     const torch::Tensor& local) {
  auto z = query(x, local, /*fast=*/false);
  // Label-only oracles decide from the label alone: a one-hot stands in for the logits.
  if (output_ == OracleOutput::kLabel) z = torch::one_hot(z.argmax(1), z.size(1)).to(z.dtype());
  return criterion.is_adversarial(z);
}

}  // namespace advlab
