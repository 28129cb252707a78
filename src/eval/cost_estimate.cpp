#include "advlab/eval/cost_estimate.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <initializer_list>

namespace advlab::eval {

namespace {

// The first of `keys` present in params as a positive number, else `fallback`. Attacks
// name some counts differently (iterations, targets), so each count has a few spellings.
double count(const nlohmann::json& params, std::initializer_list<const char*> keys, double fallback) {
  for (const char* key : keys) {
    auto it = params.find(key);
    if (it != params.end() && it->is_number() && it->get<double>() > 0) return it->get<double>();
  }
  return fallback;
}

}  // namespace

AttackBudget nominal_budget(const std::string& family, const nlohmann::json& params, int64_t num_classes) {
  const double steps = count(params, {"steps", "n_iter", "max_iter", "iterations", "rounds"}, 1);
  const double restarts = count(params, {"restarts"}, 1);
  double targets = count(params, {"target_classes", "n_target_classes", "targets"}, 1);
  // The minimum-norm sweep (target_sweep.h) runs untargeted before its k targets; APGD-T
  // (rho) and FAB-T (alpha_max) run the k targets only.
  if (params.contains("target_classes") && !params.contains("rho") && !params.contains("alpha_max"))
    targets = params["target_classes"].get<double>() + 1;
  const double searches = count(params, {"search_steps", "binary_search_steps"}, 1);
  AttackBudget b;
  if (family == "black-box") {
    b.forward_passes = count(params, {"queries"}, steps * restarts);
    return b;
  }
  // FAB's untargeted step differentiates every class's logit; the targeted one two.
  const bool fab = params.contains("alpha_max");
  const double per_step = fab && targets <= 1 ? static_cast<double>(std::max<int64_t>(num_classes, 1)) : 1.0;
  b.gradient_passes = steps * restarts * targets * searches * per_step;
  b.forward_passes = restarts * targets;  // checks of the final iterates
  return b;
}

PassCost calibrate_pass_cost(Classifier& model, const data::Dataset& dataset, int64_t batch) {
  PassCost cost;
  const int64_t n = std::min<int64_t>(std::max<int64_t>(batch, 1), dataset.size());
  if (n == 0) return cost;
  auto x = dataset.images.narrow(0, 0, n).to(model.device(), torch::kFloat32);
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  {
    torch::NoGradGuard no_grad;
    model.logits(x);  // warm-up: the first call of a TorchScript module optimises it
    auto t = Clock::now();
    model.logits(x).sum().item<double>();
    cost.forward = seconds_since(t) / static_cast<double>(n);
  }
  // Gradients with respect to the input only, as the attacks take them (nothing
  // accumulates in the model's parameters).
  auto input_gradient = [&] {
    auto xg = x.detach().requires_grad_(true);
    return torch::autograd::grad({model.logits(xg).sum()}, {xg})[0];
  };
  input_gradient();
  auto t = Clock::now();
  input_gradient().sum().item<double>();
  cost.forward_backward = seconds_since(t) / static_cast<double>(n);
  return cost;
}

double estimated_seconds(const AttackBudget& budget, const PassCost& cost, int64_t samples) {
  return static_cast<double>(samples) *
         (budget.gradient_passes * cost.forward_backward + budget.forward_passes * cost.forward);
}

}  // namespace advlab::eval
