#include "advlab/defenses/adversarial_training.h"

#include "advlab/core/error.h"
#include "advlab/threat/threat_model.h"

#include <c10/util/StringUtil.h>
#include <torch/torch.h>

namespace advlab::defenses {

namespace {

torch::Tensor forward_logits(torch::jit::Module& module, const torch::Tensor& x) {
  return module.forward({x}).toTensor();
}

// Shared by the three methods: the options, the threat model and one ascent step.
class AdversarialObjective : public models::TrainObjective {
 public:
  explicit AdversarialObjective(AdversarialTrainingOptions o)
      : options_(std::move(o)), threat_(make_threat_model(options_.norm())) {}

  std::string describe() const override {
    return c10::str(options_.method(), "(eps=", options_.eps(), ", norm=", options_.norm(),
                    ", steps=", options_.steps(), ", step_size=", step(), ", beta=", options_.beta(), ")");
  }

 protected:
  virtual double default_step() const = 0;
  double step() const { return options_.step_size() > 0 ? options_.step_size() : default_step(); }

  // The inner maximisation: `steps` projected ascent steps of `loss` from `start`, with
  // the module in eval mode. It is the attack's move (projected_step) without the attack's
  // per-sample early stop: Madry-style training ascends every sample for every step.
  torch::Tensor maximise(torch::jit::Module& module, const torch::Tensor& x, const torch::Tensor& start,
                         const torch::Tensor& eps, int64_t steps,
                         const std::function<torch::Tensor(const torch::Tensor&)>& loss) const {
    models::ModuleEvalScope eval(module);
    auto x_adv = options_.bounds().clip(threat_->project(x, start, eps));
    for (int64_t s = 0; s < steps; ++s) {
      auto input = x_adv.detach().requires_grad_(true);
      auto grad = torch::autograd::grad({loss(input)}, {input})[0];
      x_adv = projected_step(*threat_, x, input.detach(), grad, step(), eps, options_.bounds().lower,
                             options_.bounds().upper);
    }
    return x_adv.detach();
  }

  AdversarialTrainingOptions options_;
  std::shared_ptr<ThreatModel> threat_;
};

class PgdTraining : public AdversarialObjective {
 public:
  using AdversarialObjective::AdversarialObjective;
  double default_step() const override { return 2.5 * options_.eps() / options_.steps(); }

  models::ObjectiveOutput operator()(torch::jit::Module& module, const torch::Tensor& x,
                                     const torch::Tensor& y, at::Generator& gen) override {
    auto eps = per_sample_eps(options_.eps(), x);
    auto ce = [&](const torch::Tensor& in) {
      return torch::nn::functional::cross_entropy(forward_logits(module, in), y,
                                                  torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    };
    auto x_adv = maximise(module, x, threat_->random_init(x, eps, gen, options_.bounds()), eps, steps(), ce);
    auto logits = forward_logits(module, x_adv);
    return {torch::nn::functional::cross_entropy(logits, y), logits};
  }

 protected:
  virtual int64_t steps() const { return options_.steps(); }
};

class FgsmRsTraining : public PgdTraining {
 public:
  using PgdTraining::PgdTraining;
  double default_step() const override { return 1.25 * options_.eps(); }

 protected:
  int64_t steps() const override { return 1; }
};

class TradesTraining : public AdversarialObjective {
 public:
  using AdversarialObjective::AdversarialObjective;
  double default_step() const override { return 2.5 * options_.eps() / options_.steps(); }

  models::ObjectiveOutput operator()(torch::jit::Module& module, const torch::Tensor& x,
                                     const torch::Tensor& y, at::Generator& gen) override {
    auto eps = per_sample_eps(options_.eps(), x);
    torch::Tensor clean_probs;
    {
      models::ModuleEvalScope eval(module);
      torch::NoGradGuard no_grad;
      clean_probs = torch::softmax(forward_logits(module, x), 1);
    }
    // TRADES starts next to x, not uniformly in the ball: at x itself the KL gradient is 0.
    auto noise = torch::randn(x.sizes(), gen, torch::kFloat32).to(x.device());
    auto kl = [&](const torch::Tensor& in) { return kl_divergence(forward_logits(module, in), clean_probs); };
    auto x_adv = maximise(module, x, x + 0.001 * noise, eps, options_.steps(), kl);
    auto logits = forward_logits(module, x);
    auto adv_logits = forward_logits(module, x_adv);
    auto robust = kl_divergence(adv_logits, torch::softmax(logits, 1)) / x.size(0);
    return {torch::nn::functional::cross_entropy(logits, y) + options_.beta() * robust, logits};
  }

 private:
  // Summed KL(p || softmax(logits)) over the batch.
  static torch::Tensor kl_divergence(const torch::Tensor& logits, const torch::Tensor& p) {
    return torch::nn::functional::kl_div(torch::log_softmax(logits, 1), p,
                                         torch::nn::functional::KLDivFuncOptions().reduction(torch::kSum));
  }
};

}  // namespace

std::vector<std::string> adversarial_training_methods() { return {"pgd", "trades", "fgsm-rs"}; }

std::shared_ptr<models::TrainObjective> make_adversarial_objective(const AdversarialTrainingOptions& o) {
  ADVLAB_CHECK(o.eps() > 0 && std::isfinite(o.eps()), "adversarial training: eps must be > 0, got ", o.eps());
  ADVLAB_CHECK(o.steps() >= 1, "adversarial training: steps must be >= 1, got ", o.steps());
  ADVLAB_CHECK(o.step_size() >= 0, "adversarial training: step size must be >= 0, got ", o.step_size());
  ADVLAB_CHECK(o.beta() >= 0, "adversarial training: beta must be >= 0, got ", o.beta());
  make_threat_model(o.norm());  // validates the norm
  // L0 has no ball to step in with a gradient sign or direction: training would not
  // harden against anything.
  ADVLAB_CHECK(o.norm() != "l0", "adversarial training: norm l0 is not supported (use linf, l2 or l1)");
  if (o.method() == "pgd") return std::make_shared<PgdTraining>(o);
  if (o.method() == "trades") return std::make_shared<TradesTraining>(o);
  if (o.method() == "fgsm-rs") return std::make_shared<FgsmRsTraining>(o);
  throw Error("unknown adversarial training method '" + o.method() + "' (known: " +
              c10::Join(", ", adversarial_training_methods()) + ")");
}

}  // namespace advlab::defenses
