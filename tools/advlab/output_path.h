#pragma once
// Every subcommand checks where it will write before any work (training, attacking)
// starts: a bad --out then costs nothing, and nothing is ever written into "/".
#include <string>

namespace advlab::cli {

// Throws advlab::Error "<flag>: ..." unless `path` can be written as a file
// (io::check_output_path).
void check_output_file(const std::string& flag, const std::string& path);
// The same for a folder; with a marker, an existing folder must be empty or an earlier
// result holding that file (io::check_result_folder).
void check_output_folder(const std::string& flag, const std::string& path, const std::string& marker = "");

}  // namespace advlab::cli
