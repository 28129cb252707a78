#include "gan_checkpoint.h"

#include "advlab/core/error.h"
#include "advlab/io/zip_check.h"
#include "advlab/models/module_file.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <map>
#include <sstream>

namespace advlab::gan {

namespace {

const char kGanStateFile[] = "advlab/gan_state.json";
const char kGanDiscriminatorFile[] = "advlab/discriminator.pt";
const char kGanOptimizerGFile[] = "advlab/optimizer_g.pt";
const char kGanOptimizerDFile[] = "advlab/optimizer_d.pt";

std::string gan_optimizer_bytes(const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

void gan_load_optimizer(torch::optim::Optimizer& optimizer, const std::string& bytes) {
  torch::serialize::InputArchive archive;
  archive.load_from(bytes.data(), bytes.size());
  optimizer.load(archive);
}

// Copies every parameter and buffer of `from` into the same-named one of `to`.
void gan_copy_state(const torch::jit::Module& from, torch::jit::Module& to, const std::string& what,
                    const std::string& path) {
  std::map<std::string, torch::Tensor> source;
  for (const auto& p : from.named_parameters()) source.emplace("parameter " + p.name, p.value);
  for (const auto& b : from.named_buffers()) source.emplace("buffer " + b.name, b.value);
  size_t count = 0;
  auto copy = [&](const std::string& key, const torch::Tensor& target) {
    auto it = source.find(key);
    ADVLAB_CHECK(it != source.end(), "checkpoint ", path, ": the ", what, " has no ", key,
                 ": it was trained with other settings");
    ADVLAB_CHECK(it->second.sizes() == target.sizes(), "checkpoint ", path, ": ", what, " ", key,
                 " has shape ", it->second.sizes(), ", expected ", target.sizes(),
                 " (other --latent-dim or widths?)");
    target.copy_(it->second);
    ++count;
  };
  torch::NoGradGuard no_grad;
  for (const auto& p : to.named_parameters()) copy("parameter " + p.name, p.value);
  for (const auto& b : to.named_buffers()) copy("buffer " + b.name, b.value);
  ADVLAB_CHECK(count == source.size(), "checkpoint ", path, ": the ", what, " has ", source.size(),
               " tensors, expected ", count);
}

}  // namespace

void save_gan_checkpoint(const std::string& path, const torch::jit::Module& generator,
                         const torch::jit::Module& discriminator,
                         const torch::optim::Optimizer& optimizer_g,
                         const torch::optim::Optimizer& optimizer_d, const nlohmann::json& state) {
  std::ostringstream d_bytes;
  discriminator.save(d_bytes);
  models::save_module_atomic(generator, path,
                             {{kGanStateFile, state.dump()},
                              {kGanDiscriminatorFile, d_bytes.str()},
                              {kGanOptimizerGFile, gan_optimizer_bytes(optimizer_g)},
                              {kGanOptimizerDFile, gan_optimizer_bytes(optimizer_d)}});
}

nlohmann::json load_gan_checkpoint(const std::string& path, torch::jit::Module& generator,
                                   torch::jit::Module& discriminator,
                                   torch::optim::Optimizer& optimizer_g,
                                   torch::optim::Optimizer& optimizer_d) {
  torch::jit::ExtraFilesMap extra{{kGanStateFile, ""},
                                  {kGanDiscriminatorFile, ""},
                                  {kGanOptimizerGFile, ""},
                                  {kGanOptimizerDFile, ""}};
  torch::jit::Module saved_g, saved_d;
  io::verify_zip_checksums(path);  // torch does not check the archive's CRCs
  try {
    saved_g = torch::jit::load(path, torch::kCPU, extra);
  } catch (const std::exception&) {  // torch::jit::ErrorReport is not a c10::Error
    throw Error(c10::str("checkpoint is not a TorchScript archive (corrupt or wrong format): ", path));
  }
  for (const auto& [name, bytes] : extra)
    ADVLAB_CHECK(!bytes.empty(), "checkpoint ", path, " is not a GAN training checkpoint (no ", name, ")");
  nlohmann::json state;
  try {
    state = nlohmann::json::parse(extra[kGanStateFile]);
    std::istringstream d_bytes(extra[kGanDiscriminatorFile]);
    saved_d = torch::jit::load(d_bytes, torch::kCPU);
    gan_copy_state(saved_g, generator, "generator", path);
    gan_copy_state(saved_d, discriminator, "discriminator", path);
    gan_load_optimizer(optimizer_g, extra[kGanOptimizerGFile]);
    gan_load_optimizer(optimizer_d, extra[kGanOptimizerDFile]);
  } catch (const nlohmann::json::exception& e) {
    throw Error(c10::str("checkpoint ", path, " has an unreadable state: ", e.what()));
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    throw Error(c10::str("checkpoint ", path, " cannot be restored: ", msg.substr(0, msg.find('\n'))));
  } catch (const std::exception& e) {  // torch::jit::ErrorReport from a damaged module record
    throw Error(c10::str("checkpoint ", path, " cannot be restored: ", first_message_line(e.what())));
  }
  return state;
}

}  // namespace advlab::gan
