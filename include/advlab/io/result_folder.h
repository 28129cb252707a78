#pragma once
// Output paths are checked before any work starts, and a result folder (an attack's or
// an evaluation's report) is replaced as a whole: the new one is built in a sibling
// DIR.tmp-<pid> and swapped in, so after any failure DIR holds exactly the old result or
// exactly the new one, never a mix of both.
#include <functional>
#include <string>

namespace advlab::io {

enum class OutputKind { file, folder };

// Throws advlab::Error unless `path` can be written as a `kind`: not empty, not the
// root, not an existing entry of the other kind, below a directory that is writable.
void check_output_path(const std::string& path, OutputKind kind);

// check_output_path for a folder and, when the folder exists and holds anything, it
// must hold `marker` (a file every such result has): a folder of other things is never
// replaced.
void check_result_folder(const std::string& dir, const std::string& marker);

// Checks as above, calls write(staging) to fill a fresh staging folder, then swaps it in
// and removes the old result. If write throws, the staging folder is removed and `dir`
// is left as it was.
void write_result_folder(const std::string& dir, const std::string& marker,
                         const std::function<void(const std::string& staging)>& write);

}  // namespace advlab::io
