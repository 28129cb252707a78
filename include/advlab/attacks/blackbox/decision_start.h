#pragma once
// Starting points for decision-based attacks (Boundary Attack, HopSkipJump): each needs,
// for every sample, some input the oracle already calls adversarial, which it then walks
// towards the sample. Sources, in order, each only for samples still without a start:
//   1. `starts`: user-given candidate images, tried in order (one query each);
//   2. the nearest other sample of the batch that the oracle labels as the target
//      (untargeted: as any class but this sample's), one label query per sample and one
//      to verify; measured on the trained Fashion-MNIST CNN its blend towards the sample
//      ends nearer (median L2 4.2) than a blend of uniform noise (5.1), and it works for
//      classes that noise never reaches;
//   3. uniform noise over the bounds, up to `noise_tries` draws (one query each).
// Every query is charged to the sample it is for; a sample is never taken past its budget.
#include "advlab/attacks/blackbox/oracle.h"
#include "advlab/threat/threat_model.h"

#include <string>

namespace advlab {

struct DecisionStartOptions {
  torch::Tensor starts;  // [M, ...] candidate images, or undefined
  int64_t noise_tries = 50;
  // Queries each sample keeps for the attack proper; sources stop at this reserve.
  int64_t reserve = 1;
};

struct DecisionStart {
  torch::Tensor points;  // [n, ...]: a verified adversarial where found, else the input
  torch::Tensor found;   // bool [n] (CPU)
};

DecisionStart find_decision_starts(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion,
                                   const ThreatModel& threat, const DecisionStartOptions& options);

// Images for `starts` from a tensor file (io::save_tensors / torch.save of a dict): the
// tensor named "images", else the only one. Checked against the sample shape.
torch::Tensor load_start_images(const std::string& path, const std::string& attack);

// Binary search on the segment from x (not adversarial) to adv (adversarial) for the
// point nearest x that is still adversarial, in `steps` halvings (fewer where a sample's
// budget runs out). x, adv [m, ...] belong to the samples `local`; criterion is the
// batch's (rows picked by `local`). Returns the adversarial end of the final interval
// (always verified).
torch::Tensor blend_search(Oracle& oracle, const torch::Tensor& x, const torch::Tensor& adv,
                           const Criterion& criterion, const torch::Tensor& local, int64_t steps);

}  // namespace advlab
