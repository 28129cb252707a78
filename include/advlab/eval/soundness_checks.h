#pragma once
// Checks that tell when a robustness number cannot be trusted, after AutoAttack's checks
// and "Indicators of Attack Failure" (Pintor et al. 2022). Each returns warnings (empty
// when all is well); `advlab eval` prints them and puts them in the report.
//   probability-outputs   the model returns probabilities, not logits (flat CE gradients)
//   randomised-model      two identical forward passes give different outputs
//   zero-gradients        input gradients are zero or not finite (gradient masking)
//   black-box-beats-white-box   a black-box attack broke samples every white-box one missed
//   non-monotone-eps      robust accuracy rises with a larger eps
//   silent-success        an attack saw an adversarial but did not return it
//   unbounded-short       an unbounded minimum-norm attack did not break every sample
//   incomplete-optimisation   more PGD steps break samples the suite could not
//   restarts-succeed      random restarts break samples the suite could not
#include "advlab/eval/robustness_evaluation.h"

#include <vector>

namespace advlab::eval {

// Before any attack: looks at the model's outputs and input gradients on `sample`.
std::vector<SoundnessWarning> check_model(Classifier& model, const data::Dataset& sample,
                                          const std::string& norm);

// After the attacks: reads the evaluation's own results.
std::vector<SoundnessWarning> check_results(const RobustnessEvaluation& evaluation);

// Runs a few extra attacks on up to 64 samples (unbounded minimum-norm attack on correct
// samples; PGD with 4x the steps and with 5 restarts on the survivors at the largest eps).
std::vector<SoundnessWarning> check_with_extra_attacks(Classifier& model, const data::Dataset& dataset,
                                                       const RobustnessEvaluation& evaluation);

}  // namespace advlab::eval
