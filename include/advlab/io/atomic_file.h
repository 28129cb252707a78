#pragma once
// Outputs are written to a temporary file beside the target and renamed into place, so
// a failure never leaves a half-written file or destroys the previous one.
#include <string>

namespace advlab::io {

// Writes bytes to path atomically; creates missing parent directories.
void write_file_atomic(const std::string& path, const std::string& bytes);
// Creates a directory and its parents; throws advlab::Error if it cannot.
void ensure_directory(const std::string& path);

}  // namespace advlab::io
