// IDX files behind a valid gzip layer: the fuzzed bytes are compressed before writing, so
// every input reaches the IDX parser through read_file_maybe_gzip's decompression loop
// (fuzz_idx covers corrupt gzip streams).
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "fuzz_support.h"

#include <zlib.h>

namespace {

std::string write_gzip(const std::string& name, std::string_view bytes) {
  auto path = (advlab::fuzz::scratch_dir() / name).string();
  gzFile out = gzopen(path.c_str(), "wb1");
  if (!bytes.empty()) gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(out);
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [images, labels] = advlab::fuzz::split_two(data, size);
  auto images_path = write_gzip("images.idx.gz", images);
  auto labels_path = write_gzip("labels.idx.gz", labels);
  try {
    advlab::data::load_idx(images_path, labels_path);
  } catch (const advlab::Error&) {
  }
  return 0;
}
