#pragma once
// The four Lp threat models. See threat_model.h for the contract.
#include "advlab/threat/threat_model.h"

namespace advlab {

class LinfThreat : public ThreatModel {
 public:
  std::string name() const override { return "linf"; }
  torch::Tensor distance(const torch::Tensor& ref, const torch::Tensor& x) const override;
  torch::Tensor project(const torch::Tensor& ref, const torch::Tensor& x, const torch::Tensor& eps) const override;
  torch::Tensor normalize_grad(const torch::Tensor& g) const override;
  torch::Tensor random_init(const torch::Tensor& ref, const torch::Tensor& eps, at::Generator& gen,
                            const Bounds& bounds) const override;
  torch::Tensor dual_norm(const torch::Tensor& g) const override;
};

class L2Threat : public ThreatModel {
 public:
  std::string name() const override { return "l2"; }
  torch::Tensor distance(const torch::Tensor& ref, const torch::Tensor& x) const override;
  torch::Tensor project(const torch::Tensor& ref, const torch::Tensor& x, const torch::Tensor& eps) const override;
  torch::Tensor normalize_grad(const torch::Tensor& g) const override;
  torch::Tensor random_init(const torch::Tensor& ref, const torch::Tensor& eps, at::Generator& gen,
                            const Bounds& bounds) const override;
  torch::Tensor dual_norm(const torch::Tensor& g) const override;
};

// L1: exact Euclidean projection onto the L1 ball (Duchi et al. 2008, sort-based), and
// onto the ball within the box (Croce & Hein 2021, "Mind the box"): projecting onto the
// ball and then clipping wastes budget on changes the box cuts off.
// The ascent direction is sparse: the sign of the gradient on its largest coordinates
// (the top `sparsity` fraction), scaled to unit L1 norm, as in Tramer & Boneh's SLIDE,
// because the plain L1 steepest direction moves a single pixel per step.
class L1Threat : public ThreatModel {
 public:
  explicit L1Threat(double sparsity = 0.01) : sparsity_(sparsity) {}
  std::string name() const override { return "l1"; }
  torch::Tensor distance(const torch::Tensor& ref, const torch::Tensor& x) const override;
  torch::Tensor project(const torch::Tensor& ref, const torch::Tensor& x, const torch::Tensor& eps) const override;
  torch::Tensor normalize_grad(const torch::Tensor& g) const override;
  torch::Tensor random_init(const torch::Tensor& ref, const torch::Tensor& eps, at::Generator& gen,
                            const Bounds& bounds) const override;
  torch::Tensor dual_norm(const torch::Tensor& g) const override;
  torch::Tensor project_in_box(const torch::Tensor& ref, const torch::Tensor& x, const torch::Tensor& eps,
                               double lower, double upper) const override;
  torch::Tensor ascent_direction(const torch::Tensor& g, const torch::Tensor& x, double lower,
                                 double upper) const override;

 private:
  double sparsity_;
};

// L0: number of changed coordinates; eps is a count. Projection keeps the eps largest
// changes (in absolute value) and resets the rest.
class L0Threat : public ThreatModel {
 public:
  std::string name() const override { return "l0"; }
  torch::Tensor distance(const torch::Tensor& ref, const torch::Tensor& x) const override;
  torch::Tensor project(const torch::Tensor& ref, const torch::Tensor& x, const torch::Tensor& eps) const override;
  torch::Tensor normalize_grad(const torch::Tensor& g) const override;
  torch::Tensor random_init(const torch::Tensor& ref, const torch::Tensor& eps, at::Generator& gen,
                            const Bounds& bounds) const override;
  torch::Tensor dual_norm(const torch::Tensor& g) const override;
};

// Euclidean projection of each row of v [N, D] onto the L1 ball of radius r [N].
torch::Tensor project_l1_ball(const torch::Tensor& v, const torch::Tensor& radius);

// Euclidean projection of each row of v [N, D] onto {d : ||d||_1 <= r, lo <= d <= hi},
// r [N], lo and hi [N, D] with lo <= 0 <= hi (the box seen from the ball's centre).
torch::Tensor project_l1_ball_in_box(const torch::Tensor& v, const torch::Tensor& radius, const torch::Tensor& lo,
                                     const torch::Tensor& hi);

}  // namespace advlab
