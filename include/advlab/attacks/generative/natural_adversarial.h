#pragma once
// Natural adversarial examples (Zhao, Dua, Singh 2018, "Generating Natural Adversarial
// Examples"). A generator G (latent -> image) and an inverter I (image -> latent) move the
// search into the latent space: from z = I(x), look for the latent z' nearest z whose
// image G(z') the classifier gets wrong. The adversarial is a generated image, on the
// data manifold as far as G is, not x plus a small perturbation.
// Each round draws, for every sample, `samples` latents z' = z + r u with u a uniformly
// random direction and r uniform in the current range [lo, hi); one query each. Searches:
//   iterative  the paper's iterative stochastic search (Algorithm 1): [lo, hi) is the
//              shell [k dr, (k+1) dr) in round k; the first shell with an adversarial
//              ends the search and its adversarial nearest z is kept.
//   hybrid     the paper's hybrid shrinking search (Algorithm 2): start from
//              [0, max_radius); an adversarial at distance d gives [d/2, d), no
//              adversarial moves lo up to the middle, a round without a nearer one
//              halves the range; then a refine step walks shells of width dr down from
//              the best distance until `patience` shells in a row hold no adversarial.
// Among the adversarials of a round the one nearest z in the latent space is kept; with
// an eps given, those within eps of x (image distance) come first.
// Returns G(z') itself, unprojected (minimum-norm style): the image distance the base
// reports includes G's reconstruction error ||G(I(x)) - x||. Records the extra
// "latent_distance" = ||z' - z|| (L2; +inf where nothing was found) per sample.
// Black-box (decision-based: only the predicted label is used); untargeted or targeted;
// L2, L-inf (the image distance measured and reported).
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/param_table.h"
#include "advlab/attacks/generative/latent_modules.h"

#include <torch/arg.h>

#include <optional>

namespace advlab::gan {

struct NaturalOptions {
  static const ParamTable<NaturalOptions>& table();

  TORCH_ARG(std::optional<double>, eps);  // none: minimum-norm only
  TORCH_ARG(std::string, norm) = "l2";
  TORCH_ARG(int64_t, queries) = 5000;   // per-sample budget, the clean check included (<= 0 unlimited)
  TORCH_ARG(std::string, generator) = "";  // TorchScript file, latent -> image (required)
  TORCH_ARG(std::string, inverter) = "";   // TorchScript file, image -> latent (required)
  TORCH_ARG(std::string, search) = "iterative";  // "iterative" | "hybrid"
  TORCH_ARG(int64_t, samples) = 100;     // latents drawn per sample and round (N)
  TORCH_ARG(double, dr) = 0.1;           // shell width (iterative) / resolution (hybrid)
  TORCH_ARG(double, max_radius) = 10.0;  // latent distances searched: [0, max_radius)
  TORCH_ARG(int64_t, patience) = 5;      // hybrid: fruitless rounds before a phase ends
};

class NaturalAdversarial : public BlackBoxAttack {
 public:
  // Loads and checks the generator and inverter; throws advlab::Error for bad options,
  // missing files, or a generator and inverter that do not fit together.
  explicit NaturalAdversarial(NaturalOptions options);
  nlohmann::json options_json() const override;
  static constexpr bool kMinimumNorm = true;
  bool minimum_norm() const override { return kMinimumNorm; }
  bool eps_steers_search() const override { return true; }  // eps decides which generated images count

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  NaturalOptions options_;
  LatentGenerator generator_;
  LatentInverter inverter_;
};

}  // namespace advlab::gan
