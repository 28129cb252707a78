#include "advlab/gan/generator_diagnostics.h"

#include "advlab/core/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace advlab::gan {

nlohmann::json GeneratorScore::to_json() const {
  return {{"mode_coverage", coverage.to_json()}, {"fid", fid}};
}

GeneratorDiagnostics::GeneratorDiagnostics(std::shared_ptr<Judge> judge, const torch::Tensor& real,
                                           int64_t samples, int64_t latent_dim, uint64_t seed,
                                           double coverage_share)
    : judge_(std::move(judge)), share_(coverage_share) {
  ADVLAB_CHECK(judge_, "gan diagnostics: no judge");
  ADVLAB_CHECK(samples >= 2, "gan diagnostics: samples must be >= 2, got ", samples);
  ADVLAB_CHECK(real.dim() == 4 && real.size(0) >= 2,
               "gan diagnostics: need at least 2 real images, got ", real.sizes());
  auto real_features = judge_->features(real);
  // Checked before training starts: a judge that cannot score real images (damaged
  // weights) would otherwise surface as an FID error after the first epoch.
  ADVLAB_CHECK(torch::isfinite(real_features).all().item<bool>(),
               "gan diagnostics: the judge outputs NaN or inf on real images: no coverage or FID can be "
               "computed from it (are its weights damaged?)");
  real_fit_ = fit_gaussian(real_features);
  auto rng = at::detail::createCPUGenerator(seed);
  latents_ = torch::randn({samples, latent_dim}, rng, torch::kFloat32);
}

GeneratorScore GeneratorDiagnostics::score_images(const torch::Tensor& images) {
  GeneratorScore score;
  score.coverage = mode_coverage(judge_->predict(images), judge_->num_classes(), share_);
  score.fid = frechet_distance(real_fit_, fit_gaussian(judge_->features(images)));
  return score;
}

GeneratorScore GeneratorDiagnostics::evaluate(torch::jit::Module& generator) {
  torch::NoGradGuard no_grad;
  bool was_training = generator.is_training();
  generator.eval();
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < latents_.size(0); i += 500)
    parts.push_back(generator.forward({latents_.slice(0, i, i + 500)}).toTensor());
  if (was_training) generator.train(true);
  return score_images(torch::cat(parts));
}

}  // namespace advlab::gan
