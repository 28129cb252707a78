#pragma once
// What score-based black-box attacks compute from an Oracle's answers. Scores of either
// kind are first turned into log-probabilities (log_softmax of logits, log of
// probabilities), so a margin of log-probabilities equals the logit margin and a loss
// means the same whichever scores the oracle exposes. Losses here are to be MINIMISED.
#include "advlab/attacks/blackbox/oracle.h"
#include "advlab/criteria/criterion.h"

#include <string>

namespace advlab {

// Log-probabilities [n, K] of the scores an oracle returned (clamped at -100 so that an
// underflowed probability stays finite).
torch::Tensor score_log_probabilities(const torch::Tensor& scores, OracleOutput output);

// Queries the oracle and returns log-probabilities for the samples `local`.
torch::Tensor query_log_probabilities(Oracle& oracle, const torch::Tensor& x, const torch::Tensor& local);

// Margin to drive below zero: log p_y - max_{j!=y} log p_j (untargeted),
// max_{j!=t} log p_j - log p_t (targeted). Negative means adversarial (ties aside).
torch::Tensor score_margin(const torch::Tensor& log_probs, const Criterion& criterion);

// Which rows of scores [n, K] (log-probabilities, probabilities or logits, as the oracle
// answered) are adversarial beyond doubt. Score queries may be answered by the model's
// inference copy, which agrees with the model to float rounding, not bit for bit: there
// a margin within round-off of the boundary (1e-5 of the row's largest score, at least
// 1e-5) is not yet a success, or an attack could stop on a point that the model, which
// verifies every result, reads the other way. Exact oracles: is_adversarial as it is.
torch::Tensor surely_adversarial(const Oracle& oracle, const torch::Tensor& scores, const Criterion& criterion);

// Cross-entropy to minimise: -log(sum_{j!=y} p_j) untargeted (monotone in -CE(y) but
// still informative when p_y rounds to 1), -log p_t targeted.
torch::Tensor score_cross_entropy(const torch::Tensor& log_probs, const Criterion& criterion);

// "margin" | "ce": the loss above; throws advlab::Error naming `attack` otherwise.
torch::Tensor score_loss(const std::string& name, const torch::Tensor& log_probs, const Criterion& criterion);
void check_score_loss_name(const std::string& attack, const std::string& name);

// Parses `output` for a score-based attack: probs or logits (a label-only oracle gives
// no scores); throws advlab::Error naming `attack` and the value otherwise.
OracleOutput parse_score_output(const std::string& attack, const std::string& output);

}  // namespace advlab
