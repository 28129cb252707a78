#include "advlab/io/result_folder.h"

#include "advlab/core/error.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace advlab::io {
namespace fs = std::filesystem;
namespace {

// Absolute, without "." / ".." / a trailing slash, so the sibling names are well formed.
fs::path normalised(const std::string& path) {
  fs::path p = fs::absolute(path).lexically_normal();
  if (p.filename().empty() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

fs::path sibling(const fs::path& target, const std::string& suffix) {
  return target.parent_path() / (target.filename().string() + suffix + std::to_string(::getpid()));
}

// Swaps two directory entries in one step (Linux renameat2), so no crash can leave the
// target missing. False where the kernel or file system does not support it.
bool exchange(const fs::path& a, const fs::path& b) {
#if defined(SYS_renameat2) && defined(RENAME_EXCHANGE)
  return ::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
#else
  return false;
#endif
}

void rename_or_throw(const fs::path& from, const fs::path& to, const std::string& target) {
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw Error(c10::str(target, ": cannot move the new result into place (", std::strerror(errno), ")"));
}

// The pid in a staging name "<target>.tmp-<pid>" / ".old-<pid>", or -1.
long owner_pid(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size()) return -1;
  auto digits = name.substr(prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return -1;
  return std::stol(digits);
}

bool process_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

// A writer killed mid-way (SIGKILL, power loss) leaves its staging folder behind, or,
// between the two renames of the fallback swap, only the old result under ".old-".
// Staging folders of dead processes go; an orphaned old result moves back into place.
void clean_up_after_dead_writers(const fs::path& target) {
  std::error_code ec;
  const auto base = target.filename().string();
  for (const auto& entry : fs::directory_iterator(target.parent_path(), ec)) {
    auto name = entry.path().filename().string();
    long tmp = owner_pid(name, base + ".tmp-"), old = owner_pid(name, base + ".old-");
    if (tmp > 0 && tmp != ::getpid() && !process_alive(tmp)) fs::remove_all(entry.path(), ec);
    if (old > 0 && old != ::getpid() && !process_alive(old)) {
      if (!fs::exists(target, ec))
        std::rename(entry.path().c_str(), target.c_str());
      else
        fs::remove_all(entry.path(), ec);
    }
  }
}

}  // namespace

void check_output_path(const std::string& path, OutputKind kind) {
  const char* what = kind == OutputKind::folder ? "folder" : "file";
  ADVLAB_CHECK(!path.empty(), "the output path is empty: name a ", what);
  const fs::path target = normalised(path);
  ADVLAB_CHECK(target != target.root_path(), "the output path '", path, "' is the root directory: name a ", what,
               " below it");
  std::error_code ec;
  auto status = fs::status(target, ec);
  if (fs::exists(status)) {
    ADVLAB_CHECK(kind != OutputKind::folder || fs::is_directory(status), "output folder '", path,
                 "' exists and is not a folder");
    ADVLAB_CHECK(kind != OutputKind::file || !fs::is_directory(status), "output file '", path,
                 "' is a folder");
  }
  // The nearest existing ancestor must be a directory we may create entries in.
  fs::path parent = target.parent_path();
  while (!fs::exists(parent, ec) && parent != parent.root_path()) parent = parent.parent_path();
  ADVLAB_CHECK(fs::is_directory(parent, ec), "cannot write ", what, " '", path, "': ", parent.string(),
               " is not a folder");
  ADVLAB_CHECK(::access(parent.c_str(), W_OK | X_OK) == 0, "cannot write ", what, " '", path, "': ",
               parent.string(), " is not writable (", std::strerror(errno), ")");
}

void check_result_folder(const std::string& dir, const std::string& marker) {
  check_output_path(dir, OutputKind::folder);
  const fs::path target = normalised(dir);
  std::error_code ec;
  if (!fs::is_directory(target, ec) || fs::is_empty(target, ec)) return;
  ADVLAB_CHECK(fs::exists(target / marker, ec), "output folder '", dir, "' holds files but no ", marker,
               ": it is not an earlier result, so it is not replaced (name a new or empty folder)");
}

void write_result_folder(const std::string& dir, const std::string& marker,
                         const std::function<void(const std::string& staging)>& write) {
  check_result_folder(dir, marker);
  const fs::path target = normalised(dir);
  const fs::path staging = sibling(target, ".tmp-");
  std::error_code ec;
  clean_up_after_dead_writers(target);
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  ADVLAB_CHECK(fs::is_directory(staging), dir, ": cannot create the staging folder ", staging.string(),
               (ec ? " (" + ec.message() + ")" : std::string()));
  try {
    write(staging.string());
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  if (!fs::exists(target, ec)) {
    rename_or_throw(staging, target, dir);
    return;
  }
  if (!exchange(staging, target)) {
    // Without an atomic exchange: old away, new in, old removed; put the old one back
    // if the new one cannot move in.
    const fs::path old = sibling(target, ".old-");
    fs::remove_all(old, ec);
    try {
      rename_or_throw(target, old, dir);
    } catch (...) {
      fs::remove_all(staging, ec);
      throw;
    }
    if (std::rename(staging.c_str(), target.c_str()) != 0) {
      std::string reason = std::strerror(errno);
      std::rename(old.c_str(), target.c_str());
      fs::remove_all(staging, ec);
      throw Error(c10::str(dir, ": cannot move the new result into place (", reason, ")"));
    }
    fs::remove_all(old, ec);
    return;
  }
  fs::remove_all(staging, ec);  // now holds the old result
}

}  // namespace advlab::io
