#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace advlab::io {

void write_json_atomic(const std::string& path, const nlohmann::json& value);
// Throws advlab::Error for a missing file or invalid JSON.
nlohmann::json read_json(const std::string& path);

}  // namespace advlab::io
