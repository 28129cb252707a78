#pragma once
// Saving TorchScript modules so that a crash or a full disk never leaves a half-written
// model behind or destroys the previous one: the module goes to a temporary file beside
// the target, which is then renamed into place.
#include <torch/script.h>

#include <string>

namespace advlab::models {

// Creates missing parent directories. `extra_files` are stored inside the archive
// (torch.jit.load ignores them; torch::jit::load can read them back).
// Throws advlab::Error if the file cannot be written.
void save_module_atomic(const torch::jit::Module& module, const std::string& path,
                        const torch::jit::ExtraFilesMap& extra_files = {});

}  // namespace advlab::models
