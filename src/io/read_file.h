#pragma once
#include <string>

namespace advlab::io {

// The whole file as bytes; throws advlab::Error naming the file if it cannot be read.
std::string read_file_bytes(const std::string& path);

}  // namespace advlab::io
