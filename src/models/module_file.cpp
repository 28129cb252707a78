#include "advlab/models/module_file.h"

#include "advlab/core/error.h"

#include <filesystem>
#include <system_error>

#include <unistd.h>

namespace advlab::models {

namespace fs = std::filesystem;

void save_module_atomic(const torch::jit::Module& module, const std::string& path,
                        const torch::jit::ExtraFilesMap& extra_files) {
  fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    ADVLAB_CHECK(!ec, "cannot create directory ", target.parent_path().string(), ": ", ec.message());
  }
  // The pid keeps two processes writing the same target from sharing a temporary file.
  std::string temp = c10::str(path, ".tmp.", ::getpid());
  try {
    module.save(temp, extra_files);
  } catch (const c10::Error& e) {
    fs::remove(temp, ec);
    std::string msg = e.what_without_backtrace();
    throw Error(c10::str("cannot write model ", path, ": ", msg.substr(0, msg.find('\n'))));
  }
  fs::rename(temp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw Error(c10::str("cannot move ", temp, " to ", path, ": ", ec.message()));
  }
}

}  // namespace advlab::models
