#include "advlab/io/image_file.h"

#include "advlab/core/error.h"
#include "read_file.h"

#include <stb/stb_image.h>

#include <algorithm>
#include <memory>

namespace advlab::io {
namespace {

bool is_png(const std::string& bytes) { return bytes.rfind("\x89PNG\r\n\x1a\n", 0) == 0; }
bool is_jpeg(const std::string& bytes) { return bytes.rfind("\xff\xd8\xff", 0) == 0; }

// stb_image 2.27 builds each Huffman table from 16 code counts without checking that they
// sum to at most 256 symbols, and overruns the table when they do not (fixed in 2.28).
// Walks every marker segment, including those between the scans of a progressive JPEG,
// and rejects such a table first.
void check_jpeg_huffman_tables(const std::string& path, const std::string& bytes) {
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t size = bytes.size();
  size_t pos = 2;  // after SOI
  while (pos + 1 < size) {
    if (b[pos] != 0xff) {  // entropy-coded data of a scan: skip to the next marker
      ++pos;
      continue;
    }
    const uint8_t marker = b[pos + 1];
    // Fill bytes, stuffed zero bytes, restart markers and SOI carry no segment.
    if (marker == 0xff) {
      ++pos;
      continue;
    }
    if (marker == 0x00 || marker == 0x01 || marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker == 0xd9 || pos + 4 > size) return;  // EOI, or stb stops at the truncation
    const size_t length = size_t{b[pos + 2]} << 8 | b[pos + 3];
    const size_t end = pos + 2 + length;
    if (marker == 0xc4) {
      // As stb does: tables are read while the segment has bytes left, even when the
      // last one runs past its end, and bytes past the end of the file read as 0.
      for (size_t t = pos + 4; t < end && t < size;) {
        size_t symbols = 0;
        for (size_t i = t + 1; i <= t + 16 && i < size; ++i) symbols += b[i];
        ADVLAB_CHECK(symbols <= 256, path, ": corrupt JPEG (a Huffman table has ", symbols,
                     " symbols, at most 256)");
        t += 17 + symbols;
      }
    }
    pos = std::max(end, pos + 2);
  }
}

std::string read_checked(const std::string& path) {
  std::string bytes = read_file_bytes(path);
  ADVLAB_CHECK(is_png(bytes) || is_jpeg(bytes), path, ": not a PNG or JPEG image");
  ADVLAB_CHECK(bytes.size() <= (size_t{1} << 31) - 1, path, ": image file is too large");
  if (is_jpeg(bytes)) check_jpeg_huffman_tables(path, bytes);
  return bytes;
}

std::string stb_reason() {
  const char* reason = stbi_failure_reason();
  return reason ? reason : "unknown error";
}

}  // namespace

ImageHeader read_image_header(const std::string& path) {
  std::string bytes = read_checked(path);
  ImageHeader header;
  ADVLAB_CHECK(stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                                     static_cast<int>(bytes.size()), &header.width,
                                     &header.height, &header.channels),
               path, ": cannot read image (", stb_reason(), ")");
  return header;
}

DecodedImage decode_image(const std::string& path, int channels) {
  ADVLAB_CHECK(channels >= 1 && channels <= 4, "decode_image: channels must be 1..4, got ", channels);
  std::string bytes = read_checked(path);
  DecodedImage out;
  int in_file = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                            static_cast<int>(bytes.size()), &out.width, &out.height, &in_file,
                            channels),
      stbi_image_free);
  ADVLAB_CHECK(pixels != nullptr, path, ": cannot decode image (", stb_reason(), ")");
  size_t count = size_t(out.width) * size_t(out.height) * size_t(channels);
  out.pixels.assign(pixels.get(), pixels.get() + count);
  return out;
}

}  // namespace advlab::io
