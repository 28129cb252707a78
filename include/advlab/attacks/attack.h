#pragma once
// The attack base class owns the output contract: run() checks the inputs, attacks only
// the samples the model still gets right (per the criterion), projects the result into
// the threat model and the bounds, and re-verifies success with a fresh forward pass.
// No attack can return an unverified or out-of-budget result.
#include "advlab/attacks/attack_context.h"
#include "advlab/attacks/attack_result.h"
#include "advlab/threat/threat_model.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace advlab {

class Attack {
 public:
  virtual ~Attack() = default;

  // x [N, ...] on any device, inside model.bounds(); criterion over the same N samples.
  AttackResult run(Classifier& model, const torch::Tensor& x, const Criterion& criterion,
                   uint64_t seed = 0);

  virtual std::string name() const = 0;
  // Every option in effect (defaults included), for reports.
  virtual nlohmann::json params() const = 0;
  // Minimum-norm attacks look for the smallest adversarial; run() then also reports
  // AttackResult::minimum_distance (before any eps projection).
  virtual bool minimum_norm() const { return false; }
  // Mask attacks return the pixels they may change ([1, H, W] of 0/1, see
  // threat/mask.h); run() restores every pixel outside it. Undefined = no mask.
  virtual torch::Tensor mask() const { return {}; }

 protected:
  // Returns candidate adversarials for x [n, ...] (the samples still to be broken).
  // Candidates may fail; the base class verifies.
  virtual torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                                const Criterion& criterion) = 0;
  // The threat model and budget the result must respect; no budget = unbounded.
  virtual const ThreatModel& threat() const = 0;
  virtual std::optional<double> epsilon() const = 0;
};

}  // namespace advlab
