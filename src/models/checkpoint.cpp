#include "checkpoint.h"

#include "advlab/core/error.h"
#include "advlab/io/zip_check.h"
#include "advlab/models/module_file.h"

#include <nlohmann/json.hpp>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <map>
#include <sstream>

namespace advlab::models {

namespace {

const char kStateFile[] = "advlab/train_state.json";
const char kOptimizerFile[] = "advlab/optimizer.pt";

// Copies every named tensor of `from` into the same-named tensor of `to`.
template <typename NamedList>
void copy_named(const NamedList& from, const NamedList& to, const std::string& what,
                const std::string& path) {
  std::map<std::string, torch::Tensor> source;
  for (const auto& item : from) source.emplace(item.name, item.value);
  size_t count = 0;
  for (const auto& item : to) {
    auto it = source.find(item.name);
    ADVLAB_CHECK(it != source.end(), "checkpoint ", path, " has no ", what, " '", item.name,
                 "': it was trained with another architecture");
    ADVLAB_CHECK(it->second.sizes() == item.value.sizes(), "checkpoint ", path, ": ", what, " '",
                 item.name, "' has shape ", it->second.sizes(), ", the model expects ",
                 item.value.sizes());
    item.value.copy_(it->second);
    ++count;
  }
  ADVLAB_CHECK(count == source.size(), "checkpoint ", path, " has ", source.size(), " ", what,
               "s, the model has ", count);
}

}  // namespace

void save_checkpoint(const std::string& path, const torch::jit::Module& module,
                     const torch::optim::Optimizer& optimizer, const TrainState& state) {
  nlohmann::json json = {{"epochs_completed", state.epochs_completed},
                         {"objective", state.objective},
                         {"seed", state.seed},
                         {"batch_size", state.batch_size},
                         {"data", state.data},
                         {"last_epoch_loss", state.last_epoch_loss},
                         {"last_epoch_accuracy", state.last_epoch_accuracy}};
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream optimizer_bytes;
  archive.save_to(optimizer_bytes);
  save_module_atomic(module, path, {{kStateFile, json.dump()}, {kOptimizerFile, optimizer_bytes.str()}});
}

TrainState load_checkpoint(const std::string& path, torch::jit::Module& module,
                           torch::optim::Optimizer& optimizer) {
  torch::jit::ExtraFilesMap extra{{kStateFile, ""}, {kOptimizerFile, ""}};
  torch::jit::Module saved;
  io::verify_zip_checksums(path);  // torch does not check the archive's CRCs
  try {
    saved = torch::jit::load(path, torch::kCPU, extra);
  } catch (const std::exception&) {  // torch::jit::ErrorReport is not a c10::Error
    throw Error(c10::str("checkpoint is not a TorchScript archive (corrupt or wrong format): ", path));
  }
  ADVLAB_CHECK(!extra[kStateFile].empty() && !extra[kOptimizerFile].empty(), "checkpoint ", path,
               " has no training state: it is a model, not an advlab training checkpoint");

  TrainState state;
  try {
    auto json = nlohmann::json::parse(extra[kStateFile]);
    state.epochs_completed = json.at("epochs_completed").get<int64_t>();
    state.seed = json.at("seed").get<uint64_t>();
    state.batch_size = json.at("batch_size").get<int64_t>();
    state.last_epoch_loss = json.at("last_epoch_loss").get<double>();
    state.last_epoch_accuracy = json.at("last_epoch_accuracy").get<double>();
    state.objective = json.value("objective", std::string("cross-entropy"));
    state.data = json.value("data", std::string());
  } catch (const nlohmann::json::exception& e) {
    throw Error(c10::str("checkpoint ", path, " has an unreadable training state: ", e.what()));
  }

  {
    torch::NoGradGuard no_grad;
    copy_named(saved.named_parameters(), module.named_parameters(), "parameter", path);
    copy_named(saved.named_buffers(), module.named_buffers(), "buffer", path);
  }
  const std::string& bytes = extra[kOptimizerFile];
  // Adam's moments must live where the parameters do.
  c10::optional<torch::Device> device;
  for (const auto& p : module.parameters()) {
    device = p.device();
    break;
  }
  // The optimizer state is a zip inside the zip: its own records are not covered by the
  // outer CRCs, and torch reports damage there with c10::Error or ErrorReport.
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size(), device);
    optimizer.load(archive);
  } catch (const std::exception&) {
    throw Error(c10::str("checkpoint ", path,
                         " has an unreadable optimizer state (damaged or not written by advlab)"));
  }
  return state;
}

}  // namespace advlab::models
