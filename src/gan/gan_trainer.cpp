#include "advlab/gan/gan_trainer.h"

#include "advlab/core/error.h"
#include "advlab/core/seed_mix.h"
#include "advlab/core/progress.h"
#include "advlab/gan/dcgan_networks.h"
#include "advlab/gan/generator_diagnostics.h"
#include "advlab/gan/sample_grid.h"
#include "advlab/io/atomic_file.h"
#include "advlab/models/module_file.h"
#include "gan_checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

namespace advlab::gan {

namespace {

namespace fs = std::filesystem;

// SplitMix64 of (seed, epoch, stream): every random draw of an epoch comes from a generator
// seeded by these alone, so a resumed run draws exactly what an uninterrupted one would.
uint64_t gan_stream_seed(uint64_t seed, int64_t epoch, uint64_t stream) {
  return derived_seed(seed, epoch, stream);
}

enum GanStream : uint64_t { kTrainStream = 1, kGridStream = 2, kDiagnosticStream = 3, kRealPickStream = 4 };

std::vector<torch::Tensor> gan_parameters(const torch::jit::Module& module) {
  std::vector<torch::Tensor> params;
  for (const auto& p : module.parameters()) params.push_back(p.requires_grad_(true));
  return params;
}

double gan_grad_norm(const std::vector<torch::Tensor>& params) {
  double sum = 0;
  for (const auto& p : params)
    if (p.grad().defined()) sum += p.grad().pow(2).sum().item<double>();
  return std::sqrt(sum);
}

torch::Tensor gan_forward(torch::jit::Module& module, const torch::Tensor& x) {
  return module.forward({x}).toTensor();
}

// Running means of the epoch's step statistics.
struct GanEpochStats {
  double d_loss = 0, g_loss = 0, d_grad = 0, g_grad = 0, d_real = 0, d_fake = 0, gp = 0;
  int64_t d_steps = 0, g_steps = 0;
  double mean(double sum, int64_t n) const { return n > 0 ? sum / static_cast<double>(n) : 0.0; }
};

void gan_check_finite(double value, const char* what, int64_t epoch, int64_t step) {
  ADVLAB_CHECK(std::isfinite(value), "gan: ", what, " became ", value, " at epoch ", epoch + 1,
               ", step ", step + 1, " (training diverged; try a lower learning rate)");
}

class GanRun {
 public:
  GanRun(const data::Dataset& dataset, const GanTrainOptions& options)
      : data_(dataset), o_(options) {
    DcganOptions net;
    net.channels = dataset.images.size(1);
    net.height = dataset.images.size(2);
    net.width = dataset.images.size(3);
    net.latent_dim = o_.latent_dim;
    net.generator_width = o_.generator_width;
    net.discriminator_width = o_.discriminator_width;
    net.discriminator_batch_norm = !wgan();
    net.init = wgan() ? "default" : "dcgan";
    net.seed = o_.seed;
    g_ = make_dcgan_generator(net);
    d_ = make_dcgan_discriminator(net);
    g_params_ = gan_parameters(g_);
    d_params_ = gan_parameters(d_);
    opt_g_ = std::make_unique<torch::optim::Adam>(
        g_params_, torch::optim::AdamOptions(*o_.lr_generator).betas({*o_.beta1, *o_.beta2}));
    opt_d_ = std::make_unique<torch::optim::Adam>(
        d_params_, torch::optim::AdamOptions(*o_.lr_discriminator).betas({*o_.beta1, *o_.beta2}));
    grid_latents_ = torch::randn({o_.grid_samples, o_.latent_dim},
                                 at::detail::createCPUGenerator(gan_stream_seed(o_.seed, -1, kGridStream)));
  }

  bool wgan() const { return o_.arch == "wgan-gp"; }
  std::string path(const std::string& name) const { return (fs::path(o_.out_dir) / name).string(); }

  nlohmann::json identity() const {
    return {{"arch", o_.arch},
            {"seed", o_.seed},
            {"batch_size", o_.batch_size},
            {"latent_dim", o_.latent_dim},
            {"generator_width", o_.generator_width},
            {"discriminator_width", o_.discriminator_width},
            {"n_critic", *o_.n_critic},
            {"gp_lambda", o_.gp_lambda},
            {"lr_generator", *o_.lr_generator},
            {"lr_discriminator", *o_.lr_discriminator},
            {"beta1", *o_.beta1},
            {"beta2", *o_.beta2},
            {"dataset_size", data_.size()}};
  }

  GanTrainSummary run() {
    io::ensure_directory(o_.out_dir);
    io::ensure_directory(path("samples"));
    if (o_.resume && fs::exists(path("checkpoint.pt"))) restore();
    if (o_.judge) {
      int64_t m = std::min<int64_t>(o_.diagnostic_samples, data_.size());
      auto pick = torch::randperm(data_.size(),
                                  at::detail::createCPUGenerator(gan_stream_seed(o_.seed, -1, kRealPickStream)),
                                  torch::kLong)
                      .slice(0, 0, m);
      diagnostics_ = std::make_unique<GeneratorDiagnostics>(
          o_.judge, data_.images.index_select(0, pick), o_.diagnostic_samples, o_.latent_dim,
          gan_stream_seed(o_.seed, -1, kDiagnosticStream), o_.coverage_share);
    }
    nlohmann::json last = lines_.empty() ? nlohmann::json() : nlohmann::json::parse(lines_.back());
    for (int64_t epoch = epochs_done_; epoch < o_.epochs; ++epoch) {
      auto start = std::chrono::steady_clock::now();
      auto stats = train_epoch(epoch);
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      last = end_epoch(epoch, stats, seconds);
    }
    g_.eval();
    d_.eval();
    GanTrainSummary summary;
    summary.epochs_completed = std::max(epochs_done_, o_.epochs);
    summary.last_diagnostics = last;
    summary.generator_path = path("generator.pt");
    summary.discriminator_path = path("discriminator.pt");
    summary.checkpoint_path = path("checkpoint.pt");
    summary.diagnostics_path = path("diagnostics.jsonl");
    if (epochs_done_ == o_.epochs && !fs::exists(summary.generator_path)) save_outputs();
    return summary;
  }

 private:
  void restore() {
    auto state = load_gan_checkpoint(path("checkpoint.pt"), g_, d_, *opt_g_, *opt_d_);
    auto expected = identity();
    for (const auto& [key, value] : expected.items()) {
      ADVLAB_CHECK(state.contains(key) && state[key] == value, "checkpoint ", path("checkpoint.pt"),
                   " was trained with ", key, " = ", state.contains(key) ? state[key].dump() : "?",
                   ", not ", value.dump(), " (start afresh without --resume, or another --out)");
    }
    epochs_done_ = state.at("epochs_completed").get<int64_t>();
    best_covered_ = state.value("best_covered", int64_t{0});
    // Keep the diagnostics of the epochs the checkpoint holds; later lines get rewritten.
    std::ifstream in(path("diagnostics.jsonl"));
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (!json.is_discarded() && json.value("epoch", int64_t{0}) <= epochs_done_) lines_.push_back(line);
    }
  }

  GanEpochStats train_epoch(int64_t epoch) {
    const int64_t n = data_.size();
    auto rng = at::detail::createCPUGenerator(gan_stream_seed(o_.seed, epoch, kTrainStream));
    auto order = torch::randperm(n, rng, torch::kLong);
    ProgressLine progress(o_.progress, c10::str("epoch ", epoch + 1, "/", o_.epochs), n, "img");
    GanEpochStats s;
    g_.train(true);
    d_.train(true);
    int64_t step = 0;
    for (int64_t start = 0; start < n; start += o_.batch_size, ++step) {
      auto index = order.slice(0, start, std::min(start + o_.batch_size, n));
      auto real = data_.images.index_select(0, index).to(torch::kFloat32);
      if (wgan()) {
        critic_step(real, rng, s, epoch, step);
        if ((step + 1) % *o_.n_critic == 0) generator_step(real.size(0), rng, s, epoch, step);
      } else {
        dcgan_step(real, rng, s, epoch, step);
      }
      char fields[160];
      if (wgan())
        std::snprintf(fields, sizeof fields, "W %.4f  GP %.4f  G %.4f", s.mean(s.d_real - s.d_fake, s.d_steps),
                      s.mean(s.gp, s.d_steps), s.mean(s.g_loss, s.g_steps));
      else
        std::snprintf(fields, sizeof fields, "D %.4f  G %.4f", s.mean(s.d_loss, s.d_steps),
                      s.mean(s.g_loss, s.g_steps));
      progress.update(std::min(start + o_.batch_size, n), fields);
    }
    progress.finish();
    return s;
  }

  // Non-saturating DCGAN step: D on real (label 1) and fake (label 0), then G towards
  // D(G(z)) = 1 on the same fake batch.
  void dcgan_step(const torch::Tensor& real, at::Generator& rng, GanEpochStats& s, int64_t epoch,
                  int64_t step) {
    const int64_t b = real.size(0);
    auto z = torch::randn({b, o_.latent_dim}, rng, torch::kFloat32);
    auto fake = gan_forward(g_, z);
    auto d_real = gan_forward(d_, real);
    auto d_fake = gan_forward(d_, fake.detach());
    auto d_loss = torch::binary_cross_entropy_with_logits(d_real, torch::ones_like(d_real)) +
                  torch::binary_cross_entropy_with_logits(d_fake, torch::zeros_like(d_fake));
    opt_d_->zero_grad();
    d_loss.backward();
    s.d_grad += gan_grad_norm(d_params_);
    opt_d_->step();

    auto d_on_fake = gan_forward(d_, fake);
    auto g_loss = torch::binary_cross_entropy_with_logits(d_on_fake, torch::ones_like(d_on_fake));
    opt_g_->zero_grad();
    g_loss.backward();
    s.g_grad += gan_grad_norm(g_params_);
    opt_g_->step();

    double dl = d_loss.item<double>(), gl = g_loss.item<double>();
    gan_check_finite(dl, "discriminator loss", epoch, step);
    gan_check_finite(gl, "generator loss", epoch, step);
    s.d_loss += dl;
    s.g_loss += gl;
    s.d_real += torch::sigmoid(d_real).mean().item<double>();
    s.d_fake += torch::sigmoid(d_fake).mean().item<double>();
    ++s.d_steps;
    ++s.g_steps;
  }

  // WGAN-GP critic step: E[D(fake)] - E[D(real)] + lambda E[(|grad D(x_hat)| - 1)^2],
  // x_hat uniformly between paired real and fake images.
  void critic_step(const torch::Tensor& real, at::Generator& rng, GanEpochStats& s, int64_t epoch,
                   int64_t step) {
    const int64_t b = real.size(0);
    auto z = torch::randn({b, o_.latent_dim}, rng, torch::kFloat32);
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;
      fake = gan_forward(g_, z);
    }
    auto alpha = torch::rand({b, 1, 1, 1}, rng, torch::kFloat32);
    auto mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(true);
    auto d_real = gan_forward(d_, real);
    auto d_fake = gan_forward(d_, fake);
    auto d_mixed = gan_forward(d_, mixed);
    auto grad = torch::autograd::grad({d_mixed.sum()}, {mixed}, {}, /*retain_graph=*/true,
                                      /*create_graph=*/true)[0];
    auto gp = (grad.flatten(1).norm(2, 1) - 1).pow(2).mean();
    auto d_loss = d_fake.mean() - d_real.mean() + o_.gp_lambda * gp;
    opt_d_->zero_grad();
    d_loss.backward();
    s.d_grad += gan_grad_norm(d_params_);
    opt_d_->step();

    double dl = d_loss.item<double>();
    gan_check_finite(dl, "critic loss", epoch, step);
    s.d_loss += dl;
    s.d_real += d_real.mean().item<double>();
    s.d_fake += d_fake.mean().item<double>();
    s.gp += gp.item<double>();
    ++s.d_steps;
  }

  void generator_step(int64_t b, at::Generator& rng, GanEpochStats& s, int64_t epoch, int64_t step) {
    auto z = torch::randn({b, o_.latent_dim}, rng, torch::kFloat32);
    auto g_loss = -gan_forward(d_, gan_forward(g_, z)).mean();
    opt_g_->zero_grad();
    g_loss.backward();
    s.g_grad += gan_grad_norm(g_params_);
    opt_g_->step();
    double gl = g_loss.item<double>();
    gan_check_finite(gl, "generator loss", epoch, step);
    s.g_loss += gl;
    ++s.g_steps;
  }

  nlohmann::json end_epoch(int64_t epoch, const GanEpochStats& s, double seconds) {
    g_.eval();
    d_.eval();
    char png[48];  // room for any epoch count
    std::snprintf(png, sizeof png, "samples/epoch-%03lld.png", static_cast<long long>(epoch + 1));
    {
      torch::NoGradGuard no_grad;
      save_sample_grid(path(png), gan_forward(g_, grid_latents_), 2);
    }
    nlohmann::json line = {{"epoch", epoch + 1},
                           {"arch", o_.arch},
                           {"images", data_.size()},
                           {"seconds", seconds},
                           {"images_per_second", seconds > 0 ? data_.size() / seconds : 0.0},
                           {"d_loss", s.mean(s.d_loss, s.d_steps)},
                           {"g_loss", s.mean(s.g_loss, s.g_steps)},
                           {"d_grad_norm", s.mean(s.d_grad, s.d_steps)},
                           {"g_grad_norm", s.mean(s.g_grad, s.g_steps)},
                           {"d_steps", s.d_steps},
                           {"g_steps", s.g_steps},
                           {"samples_png", png}};
    if (wgan()) {
      line["critic_real"] = s.mean(s.d_real, s.d_steps);
      line["critic_fake"] = s.mean(s.d_fake, s.d_steps);
      line["wasserstein_estimate"] = s.mean(s.d_real - s.d_fake, s.d_steps);
      line["gradient_penalty"] = s.mean(s.gp, s.d_steps);
    } else {
      line["d_real_probability"] = s.mean(s.d_real, s.d_steps);
      line["d_fake_probability"] = s.mean(s.d_fake, s.d_steps);
    }
    std::string judged;
    if (diagnostics_) {
      auto score = diagnostics_->evaluate(g_);
      auto reason = mode_collapse_reason(score.coverage, best_covered_);
      best_covered_ = std::max(best_covered_, score.coverage.covered);
      line["mode_coverage"] = score.coverage.to_json();
      line["mode_collapse"] = !reason.empty();
      line["mode_collapse_reason"] = reason;
      line["fid"] = score.fid;
      line["fid_features"] = diagnostics_->judge().feature_kind();
      line["fid_samples"] = diagnostics_->samples();
      line["fid_real_samples"] = diagnostics_->real_count();
      judged = c10::str("  coverage ", score.coverage.covered, "/", score.coverage.classes,
                        "  KL ", score.coverage.kl_to_uniform, "  FID ", score.fid,
                        reason.empty() ? "" : "  MODE COLLAPSE: " + reason);
    } else {
      line["mode_coverage"] = nullptr;
      line["mode_collapse"] = nullptr;
      line["fid"] = nullptr;
      line["fid_features"] = nullptr;
    }
    lines_.push_back(line.dump());
    std::string text;
    for (const auto& l : lines_) text += l + "\n";
    io::write_file_atomic(path("diagnostics.jsonl"), text);
    epochs_done_ = epoch + 1;
    save_outputs();
    if (o_.progress) {
      *o_.progress << "epoch " << epoch + 1 << ": D loss " << line["d_loss"].get<double>() << "  G loss "
                   << line["g_loss"].get<double>() << judged << "\n";
    }
    return line;
  }

  void save_outputs() {
    g_.eval();
    d_.eval();
    models::save_module_atomic(g_, path("generator.pt"));
    models::save_module_atomic(d_, path("discriminator.pt"));
    auto state = identity();
    state["epochs_completed"] = epochs_done_;
    state["best_covered"] = best_covered_;
    state["rng"] = "per-epoch generators seeded by (seed, epoch)";
    // Last, so a checkpoint never claims an epoch whose outputs are missing.
    save_gan_checkpoint(path("checkpoint.pt"), g_, d_, *opt_g_, *opt_d_, state);
  }

  const data::Dataset& data_;
  GanTrainOptions o_;
  torch::jit::Module g_, d_;
  std::vector<torch::Tensor> g_params_, d_params_;
  std::unique_ptr<torch::optim::Adam> opt_g_, opt_d_;
  torch::Tensor grid_latents_;
  std::unique_ptr<GeneratorDiagnostics> diagnostics_;
  std::vector<std::string> lines_;
  int64_t epochs_done_ = 0;
  int64_t best_covered_ = 0;
};

}  // namespace

GanTrainOptions resolve_gan_options(const GanTrainOptions& options) {
  GanTrainOptions o = options;
  ADVLAB_CHECK(o.arch == "dcgan" || o.arch == "wgan-gp", "gan: unknown arch '", o.arch,
               "'; known: dcgan, wgan-gp");
  const bool wgan = o.arch == "wgan-gp";
  if (!o.lr_generator) o.lr_generator = wgan ? 1e-4 : 2e-4;
  if (!o.lr_discriminator) o.lr_discriminator = wgan ? 1e-4 : 2e-4;
  if (!o.beta1) o.beta1 = wgan ? 0.0 : 0.5;
  if (!o.beta2) o.beta2 = wgan ? 0.9 : 0.999;
  if (!o.n_critic) o.n_critic = wgan ? 5 : 1;
  ADVLAB_CHECK(o.epochs >= 1, "gan: epochs must be >= 1, got ", o.epochs);
  ADVLAB_CHECK(o.batch_size >= 2, "gan: batch size must be >= 2 (batch norm), got ", o.batch_size);
  ADVLAB_CHECK(*o.lr_generator > 0, "gan: generator learning rate must be > 0, got ", *o.lr_generator);
  ADVLAB_CHECK(*o.lr_discriminator > 0, "gan: discriminator learning rate must be > 0, got ",
               *o.lr_discriminator);
  ADVLAB_CHECK(*o.beta1 >= 0 && *o.beta1 < 1, "gan: beta1 must be in [0, 1), got ", *o.beta1);
  ADVLAB_CHECK(*o.beta2 >= 0 && *o.beta2 < 1, "gan: beta2 must be in [0, 1), got ", *o.beta2);
  ADVLAB_CHECK(*o.n_critic >= 1, "gan: n_critic must be >= 1, got ", *o.n_critic);
  ADVLAB_CHECK(wgan || *o.n_critic == 1, "gan: n_critic applies to wgan-gp only, got ", *o.n_critic,
               " for dcgan (one D step per G step)");
  ADVLAB_CHECK(o.gp_lambda >= 0, "gan: gradient penalty lambda must be >= 0, got ", o.gp_lambda);
  ADVLAB_CHECK(o.latent_dim >= 1, "gan: latent_dim must be >= 1, got ", o.latent_dim);
  ADVLAB_CHECK(o.diagnostic_samples >= 2, "gan: diagnostic samples must be >= 2, got ", o.diagnostic_samples);
  ADVLAB_CHECK(o.grid_samples >= 1, "gan: grid samples must be >= 1, got ", o.grid_samples);
  ADVLAB_CHECK(!o.out_dir.empty(), "gan: an output directory is required");
  return o;
}

GanTrainSummary train_gan(const data::Dataset& dataset, const GanTrainOptions& options) {
  auto o = resolve_gan_options(options);
  ADVLAB_CHECK(dataset.size() >= 2, "gan: the training set needs at least 2 images, got ", dataset.size());
  ADVLAB_CHECK(dataset.images.dim() == 4, "gan: images must be [N, C, H, W], got ", dataset.images.sizes());
  // The gradient penalty differentiates through the critic twice. With the graph executor's
  // optimisations the critic may run as a JIT DifferentiableGraph, whose symbolic backward
  // is not meant for double backward; unoptimised, every op records ordinary autograd.
  torch::jit::GraphOptimizerEnabledGuard plain_autograd(o.arch != "wgan-gp" && torch::jit::getGraphExecutorOptimize());
  GanRun run(dataset, o);
  return run.run();
}

}  // namespace advlab::gan
