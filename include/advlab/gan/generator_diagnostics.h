#pragma once
// The judge-based diagnostics of one generator state: mode coverage of N generated
// samples and the Fréchet distance between judge features of real and generated images.
// The latents are fixed at construction, so epoch-to-epoch changes come from the
// generator, not from sampling noise; the real-image statistics are computed once.
#include "advlab/gan/frechet_distance.h"
#include "advlab/gan/judge.h"
#include "advlab/gan/mode_coverage.h"

#include <nlohmann/json.hpp>
#include <torch/script.h>

#include <memory>

namespace advlab::gan {

struct GeneratorScore {
  ModeCoverage coverage;
  double fid = 0;
  nlohmann::json to_json() const;  // {"mode_coverage": {...}, "fid": x}
};

class GeneratorDiagnostics {
 public:
  // real: images [M, C, H, W] (M >= 2) for the reference statistics; samples >= 2
  // generated images per evaluation, from latents N(0, I) drawn with `seed`.
  GeneratorDiagnostics(std::shared_ptr<Judge> judge, const torch::Tensor& real, int64_t samples,
                       int64_t latent_dim, uint64_t seed, double coverage_share = 0.25);

  // Runs the generator module (eval mode; its mode is restored) on the fixed latents.
  GeneratorScore evaluate(torch::jit::Module& generator);
  // Scores a set of images directly (what evaluate does after generating).
  GeneratorScore score_images(const torch::Tensor& images);

  const Judge& judge() const { return *judge_; }
  int64_t samples() const { return latents_.size(0); }
  int64_t real_count() const { return real_fit_.count; }

 private:
  std::shared_ptr<Judge> judge_;
  GaussianFit real_fit_;
  torch::Tensor latents_;
  double share_;
};

}  // namespace advlab::gan
