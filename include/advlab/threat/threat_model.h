#pragma once
// A ThreatModel is an Lp norm used as a strategy: one attack loop serves every norm by
// calling these four operations instead of branching on the norm's name.
// All functions work on batches [N, ...]; eps is per sample, shape [N] (float).
#include "advlab/core/bounds.h"

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <memory>
#include <string>

namespace advlab {

class ThreatModel {
 public:
  virtual ~ThreatModel() = default;
  virtual std::string name() const = 0;  // "linf", "l2", "l1", "l0"

  // ||x - ref|| per sample, shape [N].
  virtual torch::Tensor distance(const torch::Tensor& ref, const torch::Tensor& x) const = 0;
  // The point of the eps-ball around ref nearest to x (Euclidean projection; for L0 the
  // eps largest changes are kept).
  virtual torch::Tensor project(const torch::Tensor& ref, const torch::Tensor& x,
                                const torch::Tensor& eps) const = 0;
  // Steepest-ascent direction of unit norm for gradient g (sign(g) for L-inf).
  virtual torch::Tensor normalize_grad(const torch::Tensor& g) const = 0;
  // The same at the point x of [lower, upper]: here normalize_grad(g); L1 leaves out the
  // coordinates at a bound that g pushes outwards (its few coordinates per step would be
  // spent on moves the box undoes, as on the black background of an image).
  virtual torch::Tensor ascent_direction(const torch::Tensor& g, const torch::Tensor& x, double lower,
                                         double upper) const;
  // A random point in the eps-ball around ref (uniform where cheap); the caller clips it
  // to `bounds`. The Lp balls have their own scale; L0 counts pixels, so how far a chosen
  // pixel moves comes from the width of `bounds`. Random numbers come from `gen` on the
  // CPU so results do not depend on the device.
  virtual torch::Tensor random_init(const torch::Tensor& ref, const torch::Tensor& eps, at::Generator& gen,
                                    const Bounds& bounds) const = 0;
  // ||g||_q per sample for the dual exponent q (1/p + 1/q = 1), shape [N]: how far one
  // unit of a linear function's change lies along g, so |f(x)| / ||grad f||_q is the
  // distance to its zero set. Throws advlab::Error for L0, which has no dual norm.
  virtual torch::Tensor dual_norm(const torch::Tensor& g) const = 0;
  // The point of (eps-ball around ref) ∩ [lower, upper] nearest to x, or near it: here the
  // projection onto the ball, then clipped (exact for L-inf; L1 overrides it with the
  // exact projection onto the intersection).
  virtual torch::Tensor project_in_box(const torch::Tensor& ref, const torch::Tensor& x, const torch::Tensor& eps,
                                       double lower, double upper) const;
};

// "linf" | "l2" | "l1" | "l0" (also "inf"); throws advlab::Error for other names.
std::shared_ptr<ThreatModel> make_threat_model(const std::string& norm);

// g with the coordinates zeroed where x sits at a bound of [lower, upper] and g pushes it
// outwards: moves the box would undo (L1 steps, APGD's sparse step, FMN).
torch::Tensor drop_outward_at_bounds(const torch::Tensor& g, const torch::Tensor& x, double lower, double upper);

// One projected ascent step, the move PGD-style attacks and adversarial training share:
// x + step * ascent_direction(grad), projected onto the eps-ball around origin within
// [lower, upper] (project_in_box).
torch::Tensor projected_step(const ThreatModel& threat, const torch::Tensor& origin, const torch::Tensor& x,
                             const torch::Tensor& grad, double step, const torch::Tensor& eps, double lower,
                             double upper);

// bool [N]: which distances lie outside the eps-ball, with a small slack so that float
// round-off in an attack's own projection does not count as outside.
torch::Tensor outside_ball(const torch::Tensor& distance, double eps);

// eps as a per-sample tensor [N] on ref's device.
torch::Tensor per_sample_eps(double eps, const torch::Tensor& ref);

// Per-sample helpers shared by the norms: flatten to [N, D] and broadcast back.
torch::Tensor flat(const torch::Tensor& x);
torch::Tensor expand_like(const torch::Tensor& per_sample, const torch::Tensor& x);

}  // namespace advlab
