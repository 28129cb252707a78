#include "advgan_checkpoint.h"

#include "advlab/core/error.h"
#include "advlab/io/atomic_file.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <sstream>

namespace advlab::gan::detail_advgan {

void save_advgan_checkpoint(const std::string& path, const std::vector<CheckpointPart>& parts,
                            const std::map<std::string, torch::Tensor>& tensors, const nlohmann::json& state) {
  torch::serialize::OutputArchive archive;
  archive.write("state", c10::IValue(state.dump()));
  for (const auto& part : parts) {
    torch::serialize::OutputArchive weights;
    for (const auto& p : part.module->named_parameters()) weights.write(p.name, p.value.detach());
    archive.write("module/" + part.name, weights);
    if (part.optimizer) {
      torch::serialize::OutputArchive optimizer;
      part.optimizer->save(optimizer);
      archive.write("optimizer/" + part.name, optimizer);
    }
  }
  for (const auto& [key, value] : tensors) archive.write("tensor/" + key, value);
  std::ostringstream bytes;
  archive.save_to(bytes);
  io::write_file_atomic(path, bytes.str());
}

nlohmann::json load_advgan_checkpoint(const std::string& path, const std::vector<CheckpointPart>& parts,
                                      std::map<std::string, torch::Tensor>& tensors) {
  torch::serialize::InputArchive archive;
  c10::IValue state;
  try {
    archive.load_from(path);
    archive.read("state", state);
  } catch (const std::exception&) {  // torch::jit::ErrorReport is not a c10::Error
    throw Error("advgan: checkpoint " + path + " is not an AdvGAN checkpoint (corrupt or wrong format)");
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(state.toStringRef());
  } catch (const std::exception& e) {
    throw Error(c10::str("advgan: checkpoint ", path, " has an unreadable state: ", e.what()));
  }
  try {
    torch::NoGradGuard no_grad;
    for (const auto& part : parts) {
      torch::serialize::InputArchive weights;
      archive.read("module/" + part.name, weights);
      for (const auto& p : part.module->named_parameters()) {
        torch::Tensor saved;
        weights.read(p.name, saved);
        ADVLAB_CHECK(saved.sizes() == p.value.sizes(), "advgan: checkpoint ", path, ": ", part.name, " '",
                     p.name, "' has shape ", saved.sizes(), ", expected ", p.value.sizes());
        p.value.copy_(saved);
      }
      if (part.optimizer) {
        torch::serialize::InputArchive optimizer;
        archive.read("optimizer/" + part.name, optimizer);
        part.optimizer->load(optimizer);
      }
    }
    for (auto& [key, value] : tensors) archive.read("tensor/" + key, value);
  } catch (const c10::Error& e) {
    throw Error(c10::str("advgan: checkpoint ", path, " does not fit these networks: ",
                         e.what_without_backtrace()));
  }
  return json;
}

}  // namespace advlab::gan::detail_advgan
