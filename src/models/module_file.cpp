#include "advlab/models/module_file.h"

#include "advlab/core/error.h"
#include "advlab/io/atomic_file.h"

#include <sstream>

namespace advlab::models {

void save_module_atomic(const torch::jit::Module& module, const std::string& path,
                        const torch::jit::ExtraFilesMap& extra_files) {
  std::ostringstream bytes;
  try {
    module.save(bytes, extra_files);
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    throw Error(c10::str("cannot serialise model for ", path, ": ", msg.substr(0, msg.find('\n'))));
  }
  io::write_file_atomic(path, bytes.str());
}

}  // namespace advlab::models
