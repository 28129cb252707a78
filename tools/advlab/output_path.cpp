#include "output_path.h"

#include "advlab/core/error.h"
#include "advlab/io/result_folder.h"

namespace advlab::cli {

namespace {

template <typename Check>
void with_flag(const std::string& flag, Check check) {
  try {
    check();
  } catch (const Error& e) {
    throw Error(flag + ": " + e.what());
  }
}

}  // namespace

void check_output_file(const std::string& flag, const std::string& path) {
  with_flag(flag, [&] { io::check_output_path(path, io::OutputKind::file); });
}

void check_output_folder(const std::string& flag, const std::string& path, const std::string& marker) {
  with_flag(flag, [&] {
    if (marker.empty())
      io::check_output_path(path, io::OutputKind::folder);
    else
      io::check_result_folder(path, marker);
  });
}

}  // namespace advlab::cli
