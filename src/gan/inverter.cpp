#include "advlab/gan/inverter.h"

#include "../models/checkpoint.h"
#include "../models/script_module_builder.h"
#include "advlab/core/error.h"
#include "advlab/core/seed_mix.h"
#include "advlab/core/progress.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

namespace advlab::gan {

namespace {

// SplitMix64 of (seed, epoch): each epoch's shuffle and prior samples depend on nothing
// else, so a resumed run draws exactly what an uninterrupted one would.
uint64_t inverter_epoch_seed(uint64_t seed, int64_t epoch) {
  return derived_seed(seed, epoch);
}

void inverter_check_options(const InverterTrainOptions& o) {
  ADVLAB_CHECK(o.epochs >= 1, "inverter: epochs must be >= 1, got ", o.epochs);
  ADVLAB_CHECK(o.batch_size >= 1, "inverter: batch size must be >= 1, got ", o.batch_size);
  ADVLAB_CHECK(o.learning_rate > 0 && std::isfinite(o.learning_rate), "inverter: learning rate must be > 0, got ",
               o.learning_rate);
  ADVLAB_CHECK(o.lambda >= 0 && std::isfinite(o.lambda), "inverter: lambda must be >= 0, got ", o.lambda);
  ADVLAB_CHECK(!o.resume || !o.checkpoint_path.empty(), "inverter: resume needs a checkpoint path");
}

// What a checkpoint must match to be resumed (TrainState::objective holds it).
std::string inverter_recipe(const LatentGenerator& g, const InverterTrainOptions& o) {
  return c10::str("inverter(lambda=", o.lambda, ", lr=", o.learning_rate, ", generator=", g.architecture,
                  ", latent_dim=", g.latent_dim, ")");
}

}  // namespace

torch::jit::Module make_inverter(int64_t latent_dim, const std::vector<int64_t>& input_shape, uint64_t seed) {
  ADVLAB_CHECK(latent_dim >= 2, "inverter: latent_dim must be >= 2, got ", latent_dim);
  ADVLAB_CHECK(input_shape.size() == 3, "inverter: input shape must be [C, H, W], got ", c10::IntArrayRef(input_shape));
  models::ArchitectureOptions arch;
  arch.in_channels = input_shape[0];
  arch.height = input_shape[1];
  arch.width = input_shape[2];
  arch.num_classes = latent_dim;
  arch.seed = seed;
  models::ScriptModuleBuilder b("ConvInverter", "conv-inverter", arch);
  const int64_t channels[] = {32, 64, 128};
  int64_t in = input_shape[0], h = input_shape[1], w = input_shape[2];
  for (int i = 0; i < 3; ++i) {
    b.conv2d(c10::str("conv", i + 1), in, channels[i], 3);
    in = channels[i];
    h = models::output_size(h, 3, 2, 1);
    w = models::output_size(w, 3, 2, 1);
  }
  b.linear("fc1", in * h * w, 256);
  b.linear("fc2", 256, latent_dim);
  // Leaky ReLU (slope 0.2) as max(h, 0.2 h): plain aten ops, nothing Python-only.
  auto leaky = [](const std::string& e) { return "torch.maximum(" + e + ", 0.2 * " + e + ")"; };
  std::string src = "def forward(self, x):\n";
  src += "    h = " + models::conv_expr("x", "conv1", 2, 1) + "\n    h = " + leaky("h") + "\n";
  src += "    h = " + models::conv_expr("h", "conv2", 2, 1) + "\n    h = " + leaky("h") + "\n";
  src += "    h = " + models::conv_expr("h", "conv3", 2, 1) + "\n    h = " + leaky("h") + "\n";
  src += "    h = " + models::linear_expr("h.flatten(1)", "fc1") + "\n    h = " + leaky("h") + "\n";
  src += "    return " + models::linear_expr("h", "fc2") + "\n";
  auto module = b.finish(src);
  module.register_attribute("latent_dim", c10::IntType::get(), latent_dim);
  return module;
}

TrainedInverter train_inverter(LatentGenerator& generator, const data::Dataset& data,
                               const InverterTrainOptions& options) {
  inverter_check_options(options);
  ADVLAB_CHECK(data.size() > 0, "inverter: no training images");
  ADVLAB_CHECK(data.images.dim() == 4 && data.images.sizes().slice(1) == c10::IntArrayRef(generator.output_shape),
               "inverter: training images have shape ", data.images.sizes().slice(1), " but generator ",
               generator.path, " makes ", c10::IntArrayRef(generator.output_shape));
  generator.to(torch::kCPU);

  TrainedInverter out;
  out.module = make_inverter(generator.latent_dim, generator.output_shape, options.seed);
  std::vector<torch::Tensor> parameters;
  for (const auto& p : out.module.parameters()) parameters.push_back(p.requires_grad_(true));
  torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(options.learning_rate));

  models::TrainState state;
  state.seed = options.seed;
  state.batch_size = options.batch_size;
  state.objective = inverter_recipe(generator, options);
  if (options.resume && std::filesystem::exists(options.checkpoint_path)) {
    auto saved = models::load_checkpoint(options.checkpoint_path, out.module, optimizer);
    const auto& path = options.checkpoint_path;
    // Another seed, batch size or recipe would silently break "resumed == uninterrupted".
    ADVLAB_CHECK(saved.seed == state.seed, "checkpoint ", path, " was trained with seed ", saved.seed, ", not ",
                 state.seed);
    ADVLAB_CHECK(saved.batch_size == state.batch_size, "checkpoint ", path, " was trained with batch size ",
                 saved.batch_size, ", not ", state.batch_size);
    ADVLAB_CHECK(saved.objective == state.objective, "checkpoint ", path, " was trained as ", saved.objective,
                 ", not ", state.objective);
    state = saved;
  }

  const int64_t n = data.size();
  auto inverter = [&](const torch::Tensor& x) { return out.module.forward({x}).toTensor(); };
  for (int64_t epoch = state.epochs_completed; epoch < options.epochs; ++epoch) {
    auto order = torch::randperm(n, at::detail::createCPUGenerator(inverter_epoch_seed(options.seed, epoch)),
                                 torch::kLong);
    auto prior = at::detail::createCPUGenerator(inverter_epoch_seed(options.seed ^ 0x696E76657274ULL, epoch));
    ProgressLine progress(options.progress, c10::str("inverter epoch ", epoch + 1, "/", options.epochs), n);
    double loss_sum = 0, rec_sum = 0, lat_sum = 0;
    for (int64_t start = 0; start < n; start += options.batch_size) {
      auto index = order.slice(0, start, std::min(start + options.batch_size, n));
      auto x = data.images.index_select(0, index).to(torch::kFloat32);
      const int64_t b = x.size(0);
      auto z = at::randn({b, generator.latent_dim}, prior, torch::kFloat32);
      torch::Tensor gz;
      {
        torch::NoGradGuard no_grad;  // G is frozen: its samples are plain data here
        gz = generator(z);
      }
      optimizer.zero_grad();
      auto rec = (generator(inverter(x)) - x).pow(2).mean();
      auto lat = (inverter(gz) - z).pow(2).mean();
      auto loss = rec + options.lambda * lat;
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>() * b;
      rec_sum += rec.item<double>() * b;
      lat_sum += lat.item<double>() * b;
      int64_t done = std::min(start + options.batch_size, n);
      progress.update(done, c10::str("loss ", loss_sum / done, "  rec ", rec_sum / done, "  latent ", lat_sum / done));
    }
    progress.finish(c10::str("loss ", loss_sum / n, "  rec ", rec_sum / n, "  latent ", lat_sum / n));
    state.epochs_completed = epoch + 1;
    state.last_epoch_loss = loss_sum / n;
    if (!options.checkpoint_path.empty()) models::save_checkpoint(options.checkpoint_path, out.module, optimizer, state);
  }
  for (auto p : out.module.parameters()) p.requires_grad_(false);
  out.module.eval();
  out.epochs_completed = state.epochs_completed;
  out.last_epoch_loss = state.last_epoch_loss;
  return out;
}

double reconstruction_error(LatentGenerator& generator, LatentInverter& inverter, const torch::Tensor& images,
                            int64_t batch_size) {
  ADVLAB_CHECK(images.size(0) > 0, "reconstruction_error: no images");
  torch::NoGradGuard no_grad;
  double sum = 0;
  for (int64_t i = 0; i < images.size(0); i += batch_size) {
    auto x = images.slice(0, i, i + batch_size).to(torch::kFloat32);
    auto r = generator(inverter(x)).to(x.device());
    sum += (r - x).pow(2).flatten(1).sum(1).sum().item<double>();
  }
  return sum / static_cast<double>(images.size(0));
}

}  // namespace advlab::gan
