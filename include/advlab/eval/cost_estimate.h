#pragma once
// How long an evaluation may take, said before the long work starts: a short calibration
// of the model's forward and forward+backward cost per sample, times each attack's
// nominal budget (steps x restarts x targets, or queries). It is an upper estimate: the
// attacks stop spending on a sample once it is broken, and later attacks of a suite only
// see the samples still robust.
#include "advlab/data/dataset.h"
#include "advlab/models/classifier.h"

#include <nlohmann/json.hpp>

#include <string>

namespace advlab::eval {

// Model passes one attack spends on one sample at most, from its params() (see each
// attack's doc page): gradient passes for white-box attacks, forward passes (queries)
// for black-box ones.
struct AttackBudget {
  double gradient_passes = 0;
  double forward_passes = 0;
};
AttackBudget nominal_budget(const std::string& family, const nlohmann::json& params, int64_t num_classes);

// Seconds per sample of one forward and of one forward+backward pass, measured on up to
// `batch` samples of `dataset` (a warm-up pass first).
struct PassCost {
  double forward = 0, forward_backward = 0;
};
PassCost calibrate_pass_cost(Classifier& model, const data::Dataset& dataset, int64_t batch);

double estimated_seconds(const AttackBudget& budget, const PassCost& cost, int64_t samples);

}  // namespace advlab::eval
