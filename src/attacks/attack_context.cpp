#include "advlab/attacks/attack_context.h"

#include <torch/torch.h>

namespace advlab {

AttackContext::AttackContext(Classifier& model, at::Generator generator, torch::Tensor rows,
                             int64_t total)
    : model_(model),
      generator_(std::move(generator)),
      rows_(rows.to(torch::kCPU, torch::kLong)),
      queries_(torch::zeros({total}, torch::kLong)),
      gradients_(torch::zeros({total}, torch::kLong)) {}

void AttackContext::count(torch::Tensor& counter, const torch::Tensor& local, int64_t n) {
  auto rows = local.defined() ? rows_.index_select(0, local.to(torch::kCPU, torch::kLong))
                              : rows_.narrow(0, 0, n);
  counter.index_add_(0, rows, torch::ones({rows.size(0)}, torch::kLong));
}

torch::Tensor AttackContext::queries_of(const torch::Tensor& local) const {
  auto rows = local.defined() ? rows_.index_select(0, local.to(torch::kCPU, torch::kLong)) : rows_;
  return queries_.index_select(0, rows);
}

torch::Tensor AttackContext::logits(const torch::Tensor& x, const torch::Tensor& local) {
  torch::NoGradGuard no_grad;
  auto z = model_.logits(x);
  count(queries_, local, x.size(0));
  return z;
}

LossGradient AttackContext::loss_gradient(const torch::Tensor& x, const AttackLoss& loss,
                                          const Criterion& criterion, const torch::Tensor& local) {
  torch::AutoGradMode grad_on(true);
  auto input = x.detach().requires_grad_(true);
  auto z = model_.logits(input);
  auto per_sample = loss(z, criterion);
  auto grad = torch::autograd::grad({per_sample.sum()}, {input})[0];
  count(queries_, local, x.size(0));
  count(gradients_, local, x.size(0));
  return {per_sample.detach(), z.detach(), grad.detach()};
}

}  // namespace advlab
