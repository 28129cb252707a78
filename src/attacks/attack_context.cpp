#include "advlab/attacks/attack_context.h"

#include <torch/torch.h>

#include <limits>

namespace advlab {

AttackContext::AttackContext(Classifier& model, at::Generator generator, torch::Tensor rows,
                             int64_t total)
    : model_(model),
      generator_(std::move(generator)),
      rows_(rows.to(torch::kCPU, torch::kLong)),
      queries_(torch::zeros({total}, torch::kLong)),
      gradients_(torch::zeros({total}, torch::kLong)) {}

torch::Tensor AttackContext::caller_rows(const torch::Tensor& local, int64_t n) const {
  return local.defined() ? rows_.index_select(0, local.to(torch::kCPU, torch::kLong)) : rows_.narrow(0, 0, n);
}

SampleRandom& AttackContext::sample_random() {
  if (sample_random_.size() == 0) sample_random_ = SampleRandom(SampleSeeds::first(0, queries_.size(0)));
  return sample_random_;
}

torch::Tensor AttackContext::per_sample(const torch::Tensor& local,
                                        const std::function<torch::Tensor(at::Generator&, int64_t)>& draw) {
  return sample_random().per_row(local.defined() ? caller_rows(local, 0) : rows_, draw);
}

torch::Tensor AttackContext::per_sample_uniform(const torch::Tensor& local, int64_t k) {
  return sample_random().uniform(local.defined() ? caller_rows(local, 0) : rows_, k);
}

torch::Tensor AttackContext::per_sample_signs(const torch::Tensor& local, int64_t k) {
  return sample_random().signs(local.defined() ? caller_rows(local, 0) : rows_, k);
}

void AttackContext::count(torch::Tensor& counter, const torch::Tensor& local, int64_t n) {
  auto rows = caller_rows(local, n);
  counter.index_add_(0, rows, torch::ones({rows.size(0)}, torch::kLong));
}

void AttackContext::watch(std::shared_ptr<const Criterion> criterion, torch::Tensor clean,
                          const ThreatModel& threat, std::optional<double> eps) {
  watch_ = Watch{std::move(criterion), std::move(clean), &threat, eps};
  seen_ = torch::zeros({queries_.size(0)}, torch::kBool);
}

void AttackContext::observe(const torch::Tensor& x, const torch::Tensor& logits, const torch::Tensor& local,
                            bool exact) {
  if (!watch_ || !watching_ || x.size(0) == 0) return;
  torch::NoGradGuard no_grad;
  auto rows = caller_rows(local, x.size(0));
  auto hit = watch_->criterion->select(rows)->is_adversarial(logits.detach()).to(torch::kCPU);
  // Only misclassified inputs of samples not yet seen can count: the image-sized checks
  // below run on those alone (a robust sample's queries, most of a black-box attack's,
  // cost nothing more here).
  auto open = (hit & ~seen_.index_select(0, rows)).nonzero().squeeze(1);
  if (open.numel() == 0) return;
  auto open_rows = rows.index_select(0, open);
  auto xs = x.detach().index_select(0, open.to(x.device()));
  auto fresh = model_.bounds().contains_per_sample(xs).to(torch::kCPU);
  if (watch_->eps) {
    auto ref = watch_->clean.index_select(0, open_rows.to(watch_->clean.device()));
    auto d = watch_->threat->distance(ref, xs).to(torch::kCPU);
    fresh = fresh & ~outside_ball(d, *watch_->eps);
  }
  if (!exact && !model_.queries_are_exact() && fresh.any().item<bool>()) {
    // Answers from the fast copy (query_logits) can differ from the model's at the
    // boundary: a sample first counts as seen once the model itself agrees, so a silent
    // failure is never one that verification (logits()) would not confirm.
    auto f = fresh.nonzero().squeeze(1);
    auto confirmed = watch_->criterion->select(open_rows.index_select(0, f))
                         ->is_adversarial(model_.logits(xs.index_select(0, f.to(xs.device()))))
                         .to(torch::kCPU);
    fresh.index_put_({f}, confirmed);
  }
  // Rows may repeat (runs side by side on copies of a sample): set, never overwrite.
  seen_.index_fill_(0, open_rows.masked_select(fresh), true);
}

void AttackContext::record(const std::string& name, const torch::Tensor& values, const torch::Tensor& local) {
  auto v = values.detach().to(torch::kCPU, torch::kFloat32).reshape({-1});
  auto rows = caller_rows(local, v.size(0));
  auto it = extras_.find(name);
  if (it == extras_.end())
    it = extras_.emplace(name, torch::full({queries_.size(0)}, std::numeric_limits<float>::quiet_NaN())).first;
  it->second.index_copy_(0, rows, v);
}

torch::Tensor AttackContext::queries_of(const torch::Tensor& local) const {
  auto rows = local.defined() ? rows_.index_select(0, local.to(torch::kCPU, torch::kLong)) : rows_;
  return queries_.index_select(0, rows);
}

torch::Tensor AttackContext::logits(const torch::Tensor& x, const torch::Tensor& local) {
  torch::NoGradGuard no_grad;
  auto z = model_.logits(x);
  count(queries_, local, x.size(0));
  observe(x, z, local, /*exact=*/true);
  return z;
}

torch::Tensor AttackContext::fast_logits(const torch::Tensor& x, const torch::Tensor& local) {
  auto z = model_.query_logits(x);
  count(queries_, local, x.size(0));
  observe(x, z, local, /*exact=*/false);
  return z;
}

namespace {

// The logits as a leaf, for the loss's gradient with respect to them: the model's part of
// the backward then runs in the model's own pass (Classifier::gradient_pass).
struct LogitLoss {
  torch::Tensor value;     // [n], detached
  torch::Tensor upstream;  // d sum(value) / d logits
};

LogitLoss loss_on_logits(const torch::Tensor& logits, const AttackLoss& loss, const Criterion& criterion) {
  torch::AutoGradMode grad_on(true);
  auto z = logits.detach().requires_grad_(true);
  auto per_sample = loss(z, criterion);
  auto upstream = torch::autograd::grad({per_sample.sum()}, {z})[0];
  return {per_sample.detach(), upstream.detach()};
}

}  // namespace

LossGradient AttackContext::loss_gradient(const torch::Tensor& x, const AttackLoss& loss,
                                          const Criterion& criterion, const torch::Tensor& local) {
  auto pass = model_.gradient_pass(x);
  const auto& z = pass->logits();
  auto value = loss_on_logits(z, loss, criterion);
  auto grad = pass->input_gradient(value.upstream, /*keep=*/false);
  count(queries_, local, x.size(0));
  count(gradients_, local, x.size(0));
  observe(x, z, local, /*exact=*/true);
  return {value.value, z, grad};
}

LossGradient AttackContext::loss_gradients(const torch::Tensor& x, const std::vector<const AttackLoss*>& losses,
                                           const Criterion& criterion, const torch::Tensor& local) {
  auto pass = model_.gradient_pass(x);
  const auto& z = pass->logits();
  std::vector<torch::Tensor> values, grads;
  for (size_t i = 0; i < losses.size(); ++i) {
    auto value = loss_on_logits(z, *losses[i], criterion);
    const bool more = i + 1 < losses.size();
    grads.push_back(pass->input_gradient(value.upstream, /*keep=*/more));
    values.push_back(value.value);
    count(gradients_, local, x.size(0));
  }
  count(queries_, local, x.size(0));
  observe(x, z, local, /*exact=*/true);
  return {torch::stack(values, 1), z, torch::stack(grads, 1)};
}

}  // namespace advlab
