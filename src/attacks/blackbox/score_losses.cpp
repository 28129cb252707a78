#include "advlab/attacks/blackbox/score_losses.h"

#include "advlab/attacks/losses.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>

namespace advlab {

namespace {
// Relative margin that float round-off of a forward pass cannot cross.
constexpr double kRoundOffMargin = 1e-5;
}  // namespace

torch::Tensor score_log_probabilities(const torch::Tensor& scores, OracleOutput output) {
  ADVLAB_CHECK(output != OracleOutput::kLabel, "a label-only oracle gives no scores");
  auto logp = output == OracleOutput::kLogits ? torch::log_softmax(scores.to(torch::kFloat32), 1)
                                              : torch::log(scores.to(torch::kFloat32));
  return logp.clamp_min(-100.0);
}

torch::Tensor query_log_probabilities(Oracle& oracle, const torch::Tensor& x, const torch::Tensor& local) {
  return score_log_probabilities(oracle.scores(x, local), oracle.output()).to(torch::kCPU);
}

torch::Tensor score_margin(const torch::Tensor& log_probs, const Criterion& criterion) {
  auto cls = criterion.classes().to(log_probs.device(), torch::kLong);
  auto own = log_probs.gather(1, cls.unsqueeze(1)).squeeze(1);
  auto other = max_other_logit(log_probs, cls);
  return criterion.targeted() ? other - own : own - other;
}

torch::Tensor surely_adversarial(const Oracle& oracle, const torch::Tensor& scores, const Criterion& criterion) {
  auto hit = criterion.is_adversarial(scores);
  if (oracle.queries_are_exact() || scores.size(0) == 0) return hit;
  auto scale = std::get<0>(scores.detach().abs().max(1)).clamp_min(1);
  return hit & (score_margin(scores, criterion) < -kRoundOffMargin * scale).to(hit.device());
}

torch::Tensor score_cross_entropy(const torch::Tensor& log_probs, const Criterion& criterion) {
  auto cls = criterion.classes().to(log_probs.device(), torch::kLong);
  auto own = log_probs.gather(1, cls.unsqueeze(1)).squeeze(1);
  if (criterion.targeted()) return -own;
  auto others = log_probs.scatter(1, cls.unsqueeze(1), -std::numeric_limits<float>::infinity());
  return -torch::logsumexp(others, 1);
}

void check_score_loss_name(const std::string& attack, const std::string& name) {
  const auto names = score_loss_names();
  ADVLAB_CHECK(std::find(names.begin(), names.end(), name) != names.end(), attack,
               ": loss must be ce, margin or cw (the same as margin), got '", name, "'");
}

torch::Tensor score_loss(const std::string& name, const torch::Tensor& log_probs, const Criterion& criterion) {
  check_score_loss_name("score loss", name);
  return canonical_loss_name(name) == "margin" ? score_margin(log_probs, criterion)
                                               : score_cross_entropy(log_probs, criterion);
}

OracleOutput parse_score_output(const std::string& attack, const std::string& output) {
  ADVLAB_CHECK(output == "probs" || output == "logits", attack, ": output must be probs or logits, got '",
               output, "'");
  return parse_oracle_output(output);
}

}  // namespace advlab
