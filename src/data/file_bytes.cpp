#include "file_bytes.h"

#include "advlab/core/error.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace advlab::data {
namespace {

bool has_gzip_magic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  return in.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

std::string read_raw(const std::string& path, uint64_t max_bytes) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  ADVLAB_CHECK(!ec, path, ": cannot read file size (", ec.message(), ")");
  ADVLAB_CHECK(size <= max_bytes, path, ": file is too large (", size, " bytes)");
  std::ifstream in(path, std::ios::binary);
  ADVLAB_CHECK(in, path, ": cannot open file");
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  ADVLAB_CHECK(static_cast<uint64_t>(in.gcount()) == size, path, ": read error");
  return bytes;
}

std::string read_gzip(const std::string& path, uint64_t max_bytes) {
  gzFile file = gzopen(path.c_str(), "rb");
  ADVLAB_CHECK(file != nullptr, path, ": cannot open gzip file");
  std::string bytes;
  std::string chunk(1 << 20, '\0');
  while (true) {
    int got = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got < 0) {
      int code = 0;
      std::string reason = gzerror(file, &code);
      gzclose(file);
      throw Error(c10::str(path, ": corrupt gzip data (", reason, ")"));
    }
    if (got == 0) break;
    bytes.append(chunk.data(), static_cast<size_t>(got));
    if (bytes.size() > max_bytes) {
      gzclose(file);
      throw Error(c10::str(path, ": decompressed data is too large (over ", max_bytes, " bytes)"));
    }
  }
  // gzread reports a truncated stream as a plain end of file; gzclose_r notices it.
  int status = gzclose(file);
  ADVLAB_CHECK(status != Z_BUF_ERROR, path, ": truncated gzip data");
  ADVLAB_CHECK(status == Z_OK, path, ": corrupt gzip data");
  return bytes;
}

}  // namespace

std::string read_file_maybe_gzip(const std::string& path, uint64_t max_bytes) {
  std::error_code ec;
  ADVLAB_CHECK(std::filesystem::is_regular_file(path, ec), path, ": no such file");
  return has_gzip_magic(path) ? read_gzip(path, max_bytes) : read_raw(path, max_bytes);
}

}  // namespace advlab::data
