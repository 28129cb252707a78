#pragma once
// A JPEG whose Huffman table declares 257 symbols (at most 256 fit): stb_image 2.27, as
// Debian 12 ships it, writes past the table for such a file; fuzz_image_folder found it.
#include <stb/stb_image_write.h>

#include <string>
#include <vector>

namespace advlab::testing {

inline std::string valid_jpeg(int width, int height) {
  std::vector<unsigned char> pixels(static_cast<size_t>(width) * height * 3, 128);
  std::string out;
  stbi_write_jpg_to_func(
      [](void* context, void* data, int size) {
        static_cast<std::string*>(context)->append(static_cast<char*>(data), size);
      },
      &out, width, height, 3, pixels.data(), 90);
  return out;
}

// A valid JPEG with one more DHT segment right after SOI: 14 codes of length 15 and 243
// of length 16 (257 symbols), values 0..255, 0.
inline std::string jpeg_with_oversized_huffman_table(int width, int height) {
  std::string jpeg = valid_jpeg(width, height);
  std::string counts(16, '\0');
  counts[14] = 14;
  counts[15] = static_cast<char>(243);
  std::string values;
  for (int i = 0; i < 257; ++i) values += static_cast<char>(i % 256);
  const size_t length = 2 + 1 + 16 + values.size();
  std::string dht = {'\xff', '\xc4', static_cast<char>(length >> 8), static_cast<char>(length & 0xff),
                     '\x00'};
  dht += counts + values;
  return jpeg.substr(0, 2) + dht + jpeg.substr(2);
}

}  // namespace advlab::testing
