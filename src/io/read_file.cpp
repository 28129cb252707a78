#include "read_file.h"

#include "advlab/core/error.h"

#include <fstream>
#include <sstream>

namespace advlab::io {

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  ADVLAB_CHECK(in, path, ": cannot open file");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  ADVLAB_CHECK(!in.bad(), path, ": read error");
  return bytes.str();
}

}  // namespace advlab::io
