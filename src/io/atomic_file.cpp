#include "advlab/io/atomic_file.h"

#include "advlab/core/error.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace advlab::io {
namespace fs = std::filesystem;
namespace {

// Unique within the machine: process id plus a per-process counter.
fs::path temp_path_beside(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  std::string name =
      c10::str(".", target.filename().string(), ".tmp.", ::getpid(), ".", counter.fetch_add(1));
  return target.parent_path() / name;
}

}  // namespace

void ensure_directory(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  fs::create_directories(path, ec);
  ADVLAB_CHECK(fs::is_directory(path), path, ": cannot create directory",
               (ec ? " (" + ec.message() + ")" : std::string()));
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  ADVLAB_CHECK(!path.empty(), "write_file_atomic: empty output path");
  fs::path target(path);
  ensure_directory(target.parent_path().string());
  std::error_code ec;
  ADVLAB_CHECK(!fs::is_directory(target, ec), path, ": cannot write, it is a directory");

  fs::path temp = temp_path_beside(target);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    ADVLAB_CHECK(out, path, ": cannot create temporary file ", temp.string());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      fs::remove(temp, ec);
      throw Error(c10::str(path, ": write failed (disk full?)"));
    }
  }
  // rename() within one directory replaces the target atomically on POSIX.
  if (std::rename(temp.c_str(), target.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    fs::remove(temp, ec);
    throw Error(c10::str(path, ": cannot move temporary file into place (", reason, ")"));
  }
}

}  // namespace advlab::io
