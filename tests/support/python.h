#pragma once
// Runs Python scripts with Debian's python3-torch (/usr/bin/python3: the python3 first on
// PATH may lack torch), and exchanges tensors with them as pickled {name: tensor} dicts,
// which torch.load and torch.save read and write.
#include <torch/serialize.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

namespace advlab::testing {

inline const char* kSystemPython = "/usr/bin/python3";

inline bool python_torch_available() {
  static const bool available =
      std::system((std::string(kSystemPython) + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0;
  return available;
}

// Writes `source` to script_path and runs it with `args`; output goes to log_path.
// Returns the exit status (0 on success).
inline int run_python(const std::string& script_path, const std::string& source,
                      const std::string& args, const std::string& log_path) {
  std::ofstream(script_path) << source;
  std::string command = std::string(kSystemPython) + " " + script_path + " " + args + " >" +
                        log_path + " 2>&1";
  return std::system(command.c_str());
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void save_tensor_dict(const std::string& path, const std::map<std::string, torch::Tensor>& tensors) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, tensor] : tensors) dict.insert(name, tensor);
  auto bytes = torch::pickle_save(dict);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Python must save at least two entries: a one-entry dict pickles with the SETITEM
// opcode, which LibTorch 1.13's unpickler rejects ("Unknown opcode ... 115").
inline std::map<std::string, torch::Tensor> load_tensor_dict(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<std::string, torch::Tensor> out;
  for (const auto& entry : torch::pickle_load(bytes).toGenericDict()) {
    out.emplace(entry.key().toStringRef(), entry.value().toTensor());
  }
  return out;
}

}  // namespace advlab::testing
