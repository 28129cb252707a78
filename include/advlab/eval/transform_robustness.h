#pragma once
// Physical attacks are judged on views they were not optimised on: each adversarial is
// shown to the model under n fresh random transforms, and the fraction of views on which
// the criterion holds is its success over transforms.
#include "advlab/attacks/mask/physical_transforms.h"
#include "advlab/criteria/criterion.h"
#include "advlab/eval/attack_run.h"
#include "advlab/models/classifier.h"

namespace advlab::eval {

struct TransformSuccessOptions {
  PhysicalTransformOptions transforms;
  int64_t views = 100;   // fresh random transforms per image
  uint64_t seed = 1;     // independent of any seed the attack used
  int64_t batch_size = 256;
};

// Per sample (float [N]): fraction of views on which `criterion` holds for `images`.
// Pass the clean images too to measure the baseline (how often a transform alone fools).
torch::Tensor success_under_transforms(Classifier& model, const torch::Tensor& images,
                                       const Criterion& criterion,
                                       const TransformSuccessOptions& options = {});

// metrics.json's "over_views" for a run: {views, seed, success_rate, clean_baseline},
// the mean success over fresh views of the adversarials and of the clean images, over
// the samples the model classified correctly before the attack (as success_rate).
// Views follow the attack's own "transforms" params when it has them.
nlohmann::json success_over_views(Classifier& model, const data::Dataset& dataset,
                                  const AttackRun& run, TransformSuccessOptions options);

}  // namespace advlab::eval
