#include "advlab/gan/advgan_trainer.h"

#include "advgan_checkpoint.h"
#include "advlab/attacks/losses.h"
#include "advlab/core/error.h"
#include "advlab/core/seed_mix.h"
#include "advlab/core/progress.h"
#include "advlab/criteria/criterion.h"
#include "advlab/gan/advgan_networks.h"
#include "advlab/models/architectures.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

namespace advlab::gan {

double AdvGanOptions::effective_hinge_bound(int64_t dims) const {
  if (hinge_bound() > 0) return hinge_bound();
  return norm() == "l2" ? eps() : eps() * std::sqrt(static_cast<double>(dims));
}

nlohmann::json AdvGanOptions::to_json() const {
  return {{"eps", eps()},           {"norm", norm()},
          {"target", target()},     {"epochs", epochs()},
          {"batch_size", batch_size()}, {"lr", lr()},
          {"alpha", alpha()},       {"beta", beta()},
          {"hinge_bound", hinge_bound()}, {"kappa", kappa()},
          {"seed", seed()},         {"blackbox", blackbox()},
          {"distill_epochs", distill_epochs()}, {"distill_lr", distill_lr()}};
}

nlohmann::json AdvGanSummary::to_json() const {
  auto epochs = nlohmann::json::array();
  for (const auto& e : history)
    epochs.push_back({{"epoch", e.epoch},           {"adv_loss", e.adv_loss},
                      {"gan_loss", e.gan_loss},     {"hinge_loss", e.hinge_loss},
                      {"d_loss", e.d_loss},         {"distill_loss", e.distill_loss},
                      {"success", e.success},       {"mean_l2", e.mean_l2},
                      {"queries", e.queries},       {"seconds", e.seconds}});
  return {{"epochs", epochs}, {"queries", queries},
          {"train_success", history.empty() ? 0.0 : history.back().success}};
}

namespace {

namespace ckpt = detail_advgan;

void advgan_check_options(const AdvGanOptions& o) {
  ADVLAB_CHECK(std::isfinite(o.eps()) && o.eps() > 0, "advgan: eps must be finite and > 0, got ", o.eps());
  ADVLAB_CHECK(o.norm() == "linf" || o.norm() == "l2", "advgan: norm must be linf or l2, got '", o.norm(), "'");
  ADVLAB_CHECK(o.epochs() >= 1, "advgan: epochs must be >= 1, got ", o.epochs());
  ADVLAB_CHECK(o.batch_size() >= 1, "advgan: batch size must be >= 1, got ", o.batch_size());
  ADVLAB_CHECK(std::isfinite(o.lr()) && o.lr() > 0, "advgan: lr must be > 0, got ", o.lr());
  ADVLAB_CHECK(std::isfinite(o.alpha()) && o.alpha() >= 0, "advgan: alpha must be >= 0, got ", o.alpha());
  ADVLAB_CHECK(std::isfinite(o.beta()) && o.beta() >= 0, "advgan: beta must be >= 0, got ", o.beta());
  ADVLAB_CHECK(std::isfinite(o.hinge_bound()), "advgan: hinge bound must be finite, got ", o.hinge_bound());
  ADVLAB_CHECK(std::isfinite(o.kappa()) && o.kappa() >= 0, "advgan: kappa must be >= 0, got ", o.kappa());
  ADVLAB_CHECK(o.distill_epochs() >= 0, "advgan: distill epochs must be >= 0, got ", o.distill_epochs());
  ADVLAB_CHECK(std::isfinite(o.distill_lr()) && o.distill_lr() > 0, "advgan: distill lr must be > 0, got ",
               o.distill_lr());
  ADVLAB_CHECK(!o.resume() || !o.checkpoint_path().empty(), "advgan: resume needs a checkpoint path");
}

// SplitMix64 of (seed, epoch, stream): every epoch's randomness depends on these alone,
// so a resumed run draws exactly what the uninterrupted one drew.
at::Generator advgan_epoch_generator(uint64_t seed, int64_t epoch, uint64_t stream) {
  return at::detail::createCPUGenerator(derived_seed(seed, epoch, stream));
}

std::vector<torch::Tensor> advgan_parameters(torch::jit::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.requires_grad_(true));
  return out;
}

torch::Tensor advgan_forward(torch::jit::Module& m, const torch::Tensor& x) { return m.forward({x}).toTensor(); }

// One optimizer step on `loss`, accumulating gradients only into `params` (never into
// the target model's weights, which the graph may pass through).
void advgan_step(torch::optim::Optimizer& optimizer, const torch::Tensor& loss,
                 const std::vector<torch::Tensor>& params) {
  optimizer.zero_grad();
  loss.backward({}, false, false, params);
  optimizer.step();
}

// Soft cross-entropy to the oracle's probabilities (KL up to the oracle's entropy).
torch::Tensor advgan_distill_loss(const torch::Tensor& logits, const torch::Tensor& probs) {
  return -(probs * torch::log_softmax(logits, 1)).sum(1).mean();
}

class AdvGanTraining {
 public:
  AdvGanTraining(Classifier& target, const data::Dataset& train, const AdvGanOptions& options)
      : target_(target), train_(train), o_(options), device_(target.device()) {
    advgan_check_options(o_);
    ADVLAB_CHECK(train.size() > 0, "advgan: the training set is empty");
    ADVLAB_CHECK(train.images.dim() == 4, "advgan: training images must be [N, C, H, W], got ", train.images.sizes());
    ADVLAB_CHECK(train.labels.dim() == 1 && train.labels.size(0) == train.size(), "advgan: ", train.size(),
                 " training images but labels of shape ", train.labels.sizes());
    std::vector<int64_t> shape(train.images.sizes().begin() + 1, train.images.sizes().end());
    try {
      classes_ = target.probe(shape);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      std::string what = e.what();
      throw Error(c10::str("advgan: the model does not take images of shape ", c10::IntArrayRef(shape), ": ",
                           what.substr(0, what.find('\n'))));
    }
    if (o_.blackbox()) queries_ = 1;  // the probe was a query too
    ADVLAB_CHECK(o_.target() >= -1 && o_.target() < classes_, "advgan: target must be -1 (untargeted) or a class in [0, ",
                 classes_, "), got ", o_.target());
    dims_ = shape[0] * shape[1] * shape[2];
    hinge_ = o_.effective_hinge_bound(dims_);

    AdvGanNetworkOptions net;
    net.input_shape = shape;
    net.eps = o_.eps();
    net.norm = o_.norm();
    net.target = o_.target();
    net.num_classes = classes_;
    net.seed = o_.seed();
    generator_ = make_advgan_generator(net);
    net.seed = o_.seed() + 1;
    discriminator_ = make_advgan_discriminator(net);
    generator_.to(device_);
    discriminator_.to(device_);
    g_params_ = advgan_parameters(generator_);
    d_params_ = advgan_parameters(discriminator_);
    // Adam with beta1 = 0.5, as usual for GANs.
    auto adam = torch::optim::AdamOptions(o_.lr()).betas({0.5, 0.999});
    opt_g_ = std::make_unique<torch::optim::Adam>(g_params_, adam);
    opt_d_ = std::make_unique<torch::optim::Adam>(d_params_, adam);
    if (o_.blackbox()) {
      models::ArchitectureOptions arch;
      arch.in_channels = shape[0];
      arch.height = shape[1];
      arch.width = shape[2];
      arch.num_classes = classes_;
      arch.seed = o_.seed() + 2;
      distilled_ = models::make_architecture("small-cnn", arch);
      distilled_.to(device_);
      s_params_ = advgan_parameters(distilled_);
      opt_s_ = std::make_unique<torch::optim::Adam>(s_params_, torch::optim::AdamOptions(o_.distill_lr()));
    }
  }

  AdvGanSummary run() {
    int64_t first = 0;
    bool resumed = o_.resume() && std::filesystem::exists(o_.checkpoint_path());
    if (resumed) {
      first = load();
    } else if (o_.blackbox()) {
      oracle_clean_ = oracle_on_dataset();
      initial_distillation();
    }
    for (int64_t epoch = first; epoch < o_.epochs(); ++epoch) {
      history_.push_back(train_epoch(epoch));
      if (!o_.checkpoint_path().empty()) save(epoch + 1);
    }
    generator_.eval();
    for (auto& p : g_params_) p.requires_grad_(false);
    AdvGanSummary summary;
    summary.generator = generator_;
    summary.history = history_;
    summary.queries = queries_;
    return summary;
  }

 private:
  // The oracle: a no-grad forward of the target on a detached input; each image is a query.
  torch::Tensor oracle_probs(const torch::Tensor& x) {
    torch::NoGradGuard no_grad;
    queries_ += x.size(0);
    return torch::softmax(target_.logits(x.detach()), 1).to(torch::kFloat32);
  }

  torch::Tensor oracle_on_dataset() {
    std::vector<torch::Tensor> parts;
    for (int64_t start = 0; start < train_.size(); start += 256)
      parts.push_back(oracle_probs(train_.images.slice(0, start, start + 256).to(device_, torch::kFloat32)));
    return torch::cat(parts);
  }

  void initial_distillation() {
    const int64_t n = train_.size();
    ProgressLine line(o_.progress(), "distill", n * o_.distill_epochs());
    for (int64_t e = 0; e < o_.distill_epochs(); ++e) {
      auto order = torch::randperm(n, advgan_epoch_generator(o_.seed(), e, 7), torch::kLong);
      double loss_sum = 0;
      for (int64_t start = 0; start < n; start += o_.batch_size()) {
        auto index = order.slice(0, start, std::min(start + o_.batch_size(), n));
        auto x = train_.images.index_select(0, index).to(device_, torch::kFloat32);
        auto p = oracle_clean_.index_select(0, index.to(device_));
        auto loss = advgan_distill_loss(advgan_forward(distilled_, x), p);
        advgan_step(*opt_s_, loss, s_params_);
        loss_sum += loss.item<double>() * index.size(0);
        line.update(e * n + start + index.size(0), c10::str("kl+H=", loss_sum / (start + index.size(0))));
      }
    }
    line.finish(c10::str("queries=", queries_));
  }

  AdvGanEpochStats train_epoch(int64_t epoch) {
    const int64_t n = train_.size();
    auto start_time = std::chrono::steady_clock::now();
    auto order = torch::randperm(n, advgan_epoch_generator(o_.seed(), epoch, 1), torch::kLong);
    const auto bounds = target_.bounds();
    MarginLoss margin(o_.kappa());
    AdvGanEpochStats s;
    s.epoch = epoch + 1;
    int64_t fooled = 0;
    ProgressLine line(o_.progress(), c10::str("epoch ", epoch + 1, "/", o_.epochs()), n);
    for (int64_t start = 0; start < n; start += o_.batch_size()) {
      auto index = order.slice(0, start, std::min(start + o_.batch_size(), n));
      const int64_t b = index.size(0);
      auto x = train_.images.index_select(0, index).to(device_, torch::kFloat32);
      auto y = train_.labels.index_select(0, index).to(device_, torch::kLong);
      std::shared_ptr<Criterion> criterion;
      if (o_.target() >= 0)
        criterion = std::make_shared<TargetedMisclassification>(torch::full_like(y, o_.target()));
      else
        criterion = std::make_shared<Misclassification>(y);

      auto delta = advgan_forward(generator_, x);
      auto adv = bounds.clip(x + delta);

      // Discriminator: clean images are "real", perturbed ones "fake" (LSGAN).
      auto d_loss = (advgan_forward(discriminator_, x) - 1).pow(2).mean() +
                    advgan_forward(discriminator_, adv.detach()).pow(2).mean();
      advgan_step(*opt_d_, d_loss, d_params_);

      // Generator: fool the victim, look clean to D, stay small.
      auto victim_logits = o_.blackbox() ? advgan_forward(distilled_, adv) : target_.logits(adv);
      auto adv_loss = -margin(victim_logits, *criterion).mean();
      auto gan_loss = (advgan_forward(discriminator_, adv) - 1).pow(2).mean();
      auto l2 = torch::sqrt(delta.flatten(1).pow(2).sum(1) + 1e-12);
      auto hinge_loss = torch::relu(l2 - hinge_).mean();
      auto g_loss = adv_loss + o_.alpha() * gan_loss + o_.beta() * hinge_loss;
      advgan_step(*opt_g_, g_loss, g_params_);

      if (o_.blackbox()) {
        // Dynamic distillation: the oracle's answers on the current x + delta (and its
        // stored answers on x) pull the distilled model towards the target where G goes.
        auto adv_now = adv.detach();
        auto p_adv = oracle_probs(adv_now);
        fooled += criterion->is_adversarial(p_adv).sum().item<int64_t>();
        auto p_clean = oracle_clean_.index_select(0, index.to(device_));
        auto s_loss = advgan_distill_loss(advgan_forward(distilled_, torch::cat({x, adv_now})),
                                          torch::cat({p_clean, p_adv}));
        advgan_step(*opt_s_, s_loss, s_params_);
        s.distill_loss += s_loss.item<double>() * b;
      } else {
        fooled += criterion->is_adversarial(victim_logits.detach()).sum().item<int64_t>();
      }
      s.adv_loss += adv_loss.item<double>() * b;
      s.gan_loss += gan_loss.item<double>() * b;
      s.hinge_loss += hinge_loss.item<double>() * b;
      s.d_loss += d_loss.item<double>() * b;
      s.mean_l2 += l2.sum().item<double>();
      const int64_t done = start + b;
      line.update(done, c10::str("adv=", s.adv_loss / done, " gan=", s.gan_loss / done,
                                 " fooled=", 100.0 * fooled / done, "%"));
    }
    for (double* v : {&s.adv_loss, &s.gan_loss, &s.hinge_loss, &s.d_loss, &s.distill_loss, &s.mean_l2})
      *v /= static_cast<double>(n);
    s.success = static_cast<double>(fooled) / static_cast<double>(n);
    s.queries = queries_;
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
    line.finish(c10::str("fooled=", 100.0 * s.success, "%", o_.blackbox() ? c10::str(" queries=", queries_) : ""));
    return s;
  }

  std::vector<ckpt::CheckpointPart> parts() {
    std::vector<ckpt::CheckpointPart> p{{"generator", &generator_, opt_g_.get()},
                                        {"discriminator", &discriminator_, opt_d_.get()}};
    if (o_.blackbox()) p.push_back({"distilled", &distilled_, opt_s_.get()});
    return p;
  }

  // Settings that change the result: a checkpoint made with others cannot be continued.
  nlohmann::json fingerprint() const {
    auto j = o_.to_json();
    j.erase("epochs");
    j["train_size"] = train_.size();
    return j;
  }

  void save(int64_t epochs_completed) {
    AdvGanSummary h;
    h.history = history_;
    h.queries = queries_;
    nlohmann::json state = {{"format", "advlab-advgan-checkpoint-v1"},
                            {"epochs_completed", epochs_completed},
                            {"settings", fingerprint()},
                            {"queries", queries_},
                            {"history", h.to_json()["epochs"]}};
    std::map<std::string, torch::Tensor> tensors;
    if (o_.blackbox()) tensors["oracle_clean"] = oracle_clean_;
    ckpt::save_advgan_checkpoint(o_.checkpoint_path(), parts(), tensors, state);
  }

  int64_t load() {
    const auto& path = o_.checkpoint_path();
    std::map<std::string, torch::Tensor> tensors;
    if (o_.blackbox()) tensors["oracle_clean"] = torch::Tensor();
    auto state = ckpt::load_advgan_checkpoint(path, parts(), tensors);
    try {
      ADVLAB_CHECK(state.value("format", "") == "advlab-advgan-checkpoint-v1", "advgan: ", path,
                   " is not an AdvGAN checkpoint");
      auto saved = state.at("settings");
      auto now = fingerprint();
      for (const auto& [key, value] : now.items())
        ADVLAB_CHECK(saved.contains(key) && saved.at(key) == value, "advgan: checkpoint ", path, " was trained with ",
                     key, " = ", saved.contains(key) ? saved.at(key).dump() : "(none)", ", not ", value.dump());
      queries_ = state.at("queries").get<int64_t>();
      for (const auto& e : state.at("history")) {
        AdvGanEpochStats s;
        s.epoch = e.at("epoch");
        s.adv_loss = e.at("adv_loss");
        s.gan_loss = e.at("gan_loss");
        s.hinge_loss = e.at("hinge_loss");
        s.d_loss = e.at("d_loss");
        s.distill_loss = e.at("distill_loss");
        s.success = e.at("success");
        s.mean_l2 = e.at("mean_l2");
        s.queries = e.at("queries");
        s.seconds = e.at("seconds");
        history_.push_back(s);
      }
      if (o_.blackbox()) oracle_clean_ = tensors.at("oracle_clean").to(device_);
      return state.at("epochs_completed").get<int64_t>();
    } catch (const nlohmann::json::exception& e) {
      throw Error(c10::str("advgan: checkpoint ", path, " has an unreadable state: ", e.what()));
    }
  }

  Classifier& target_;
  const data::Dataset& train_;
  AdvGanOptions o_;
  torch::Device device_;
  int64_t classes_ = 0, dims_ = 0;
  double hinge_ = 0;
  torch::jit::Module generator_, discriminator_, distilled_;
  std::vector<torch::Tensor> g_params_, d_params_, s_params_;
  std::unique_ptr<torch::optim::Adam> opt_g_, opt_d_, opt_s_;
  torch::Tensor oracle_clean_;  // black-box: the oracle's probabilities on the training set
  int64_t queries_ = 0;
  std::vector<AdvGanEpochStats> history_;
};

}  // namespace

AdvGanSummary train_advgan(Classifier& target, const data::Dataset& train, const AdvGanOptions& options) {
  // The TorchScript executor switches to an optimised graph (with its own autodiff) after
  // a few calls; its numerics differ by an ulp, so a resumed run would drift from an
  // uninterrupted one. Plain execution keeps every call the same.
  torch::jit::GraphOptimizerEnabledGuard plain(false);
  return AdvGanTraining(target, train, options).run();
}

}  // namespace advlab::gan
