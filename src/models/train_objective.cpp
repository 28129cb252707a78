#include "advlab/models/train_objective.h"

#include <torch/torch.h>

namespace advlab::models {

ObjectiveOutput CrossEntropyObjective::operator()(torch::jit::Module& module, const torch::Tensor& x,
                                                  const torch::Tensor& y, at::Generator&) {
  auto logits = module.forward({x}).toTensor();
  return {torch::nn::functional::cross_entropy(logits, y), logits};
}

}  // namespace advlab::models
