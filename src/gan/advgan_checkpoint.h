#pragma once
// AdvGAN's training checkpoint: one torch archive holding the generator, the
// discriminator, the distilled model (black-box), their optimizers, extra tensors (the
// oracle's answers on the clean images) and a JSON state (epochs done, settings, history,
// queries). Written atomically, so an interrupted save keeps the previous checkpoint.
#include <nlohmann/json.hpp>
#include <torch/optim/optimizer.h>
#include <torch/script.h>

#include <map>
#include <string>
#include <vector>

namespace advlab::gan::detail_advgan {

struct CheckpointPart {
  std::string name;
  torch::jit::Module* module;
  torch::optim::Optimizer* optimizer;  // may be null
};

void save_advgan_checkpoint(const std::string& path, const std::vector<CheckpointPart>& parts,
                            const std::map<std::string, torch::Tensor>& tensors, const nlohmann::json& state);

// Copies the saved weights and optimizer states into `parts` and the saved extra tensors
// into `tensors` (for each key asked for); returns the state. Throws advlab::Error for an
// unreadable file or one that does not fit.
nlohmann::json load_advgan_checkpoint(const std::string& path, const std::vector<CheckpointPart>& parts,
                                      std::map<std::string, torch::Tensor>& tensors);

}  // namespace advlab::gan::detail_advgan
