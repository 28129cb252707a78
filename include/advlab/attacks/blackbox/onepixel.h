#pragma once
// One-pixel attack (Su, Vargas, Sakurai 2019, "One Pixel Attack for Fooling Deep Neural
// Networks"): differential evolution over candidates of k pixels, each gene a (row,
// column, value per channel) triple; fitness is the true class's probability
// (untargeted, minimised) or the target's (targeted, maximised); DE mutation (DE/best/1
// by default, the paper's DE/rand/1 as an option) with F = 0.5 and no crossover, a child
// replacing its parent when at least as fit. A sample
// stops at its first adversarial or when its query budget cannot pay a generation.
// Black-box (score-based); untargeted or targeted; L0 (eps counts changed coordinates,
// so k = floor(eps / channels) pixels).
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct OnePixelOptions {
  explicit OnePixelOptions(double eps) : eps_(eps) {}
  static const ParamTable<OnePixelOptions>& table();

  TORCH_ARG(double, eps);  // L0 budget in coordinates (pixels x channels)
  TORCH_ARG(std::string, norm) = "l0";
  TORCH_ARG(int64_t, queries) = 10000;  // per-sample budget (<= 0 unlimited)
  TORCH_ARG(std::string, output) = "probs";
  TORCH_ARG(int64_t, population) = 100;
  TORCH_ARG(int64_t, generations) = 100;  // most generations after the initial one
  TORCH_ARG(double, mutation) = 0.5;      // DE scale factor F
  // "best": DE/best/1 (the base vector is the fittest member; converges within small
  // budgets); "rand": DE/rand/1 as in Su et al.
  TORCH_ARG(std::string, strategy) = "best";
};

class OnePixel : public BlackBoxAttack {
 public:
  explicit OnePixel(OnePixelOptions options);
  nlohmann::json options_json() const override;

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  OnePixelOptions options_;
};

}  // namespace advlab
