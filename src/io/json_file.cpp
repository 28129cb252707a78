#include "advlab/io/json_file.h"

#include "advlab/core/error.h"
#include "advlab/io/atomic_file.h"
#include "read_file.h"

namespace advlab::io {

void write_json_atomic(const std::string& path, const nlohmann::json& value) {
  write_file_atomic(path, value.dump(2) + "\n");
}

nlohmann::json read_json(const std::string& path) {
  std::string text = read_file_bytes(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(c10::str(path, ": invalid JSON (", e.what(), ")"));
  }
}

}  // namespace advlab::io
