// IDX format (as used by MNIST and Fashion-MNIST): a big-endian header of magic number
// and dimension sizes, then unsigned bytes. http://yann.lecun.com/exdb/mnist/
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "file_bytes.h"
#include "pixel_tensor.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace advlab::data {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // unsigned byte, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // unsigned byte, 1 dimension
constexpr uint32_t kMaxSide = 1u << 14;        // larger images are surely corrupt

uint32_t read_be32(const std::string& bytes, size_t offset) {
  auto byte = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(bytes[offset + i]));
  };
  return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

std::string hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

// Parses and checks the header; returns the dimension sizes. The payload length must
// equal the product of the sizes exactly (no truncation, no trailing bytes).
std::vector<uint64_t> read_idx_header(const std::string& path, const std::string& bytes,
                                      uint32_t expected_magic, const char* what) {
  size_t num_dims = expected_magic & 0xff;
  size_t header_size = 4 + 4 * num_dims;
  ADVLAB_CHECK(bytes.size() >= header_size, path, ": too short for an IDX ", what, " header (",
               bytes.size(), " bytes)");
  uint32_t magic = read_be32(bytes, 0);
  ADVLAB_CHECK(magic == expected_magic, path, ": not an IDX ", what, " file (magic ", hex32(magic),
               ", expected ", hex32(expected_magic), ")");
  std::vector<uint64_t> dims;
  uint64_t payload = 1;
  for (size_t d = 0; d < num_dims; ++d) {
    uint64_t size = read_be32(bytes, 4 + 4 * d);
    ADVLAB_CHECK(size > 0, path, ": dimension ", d, " is zero");
    // Dividing instead of multiplying keeps a corrupt header from overflowing.
    ADVLAB_CHECK(size <= bytes.size() / payload, path, ": header declares more data (", what,
                 " dimension ", d, " = ", size, ") than the file holds (", bytes.size(), " bytes)");
    payload *= size;
    dims.push_back(size);
  }
  uint64_t actual = bytes.size() - header_size;
  ADVLAB_CHECK(payload == actual, path, ": header declares ", payload,
               " data bytes but the file holds ", actual,
               (payload > actual ? " (truncated or corrupt header)" : " (trailing data)"));
  return dims;
}

}  // namespace

Dataset load_idx(const std::string& images_path, const std::string& labels_path) {
  std::string image_bytes = read_file_maybe_gzip(images_path);
  auto image_dims = read_idx_header(images_path, image_bytes, kImagesMagic, "images");
  ADVLAB_CHECK(image_dims[1] <= kMaxSide && image_dims[2] <= kMaxSide, images_path,
               ": implausible image size ", image_dims[1], "x", image_dims[2]);

  std::string label_bytes = read_file_maybe_gzip(labels_path);
  auto label_dims = read_idx_header(labels_path, label_bytes, kLabelsMagic, "labels");
  ADVLAB_CHECK(label_dims[0] == image_dims[0], labels_path, ": has ", label_dims[0], " labels but ",
               images_path, " has ", image_dims[0], " images");

  auto n = static_cast<int64_t>(image_dims[0]);
  auto h = static_cast<int64_t>(image_dims[1]);
  auto w = static_cast<int64_t>(image_dims[2]);
  const auto* pixels = reinterpret_cast<const uint8_t*>(image_bytes.data()) + 16;
  const auto* labels = reinterpret_cast<const uint8_t*>(label_bytes.data()) + 8;

  Dataset out;
  out.images = unit_images_from_bytes(pixels, {n, 1, h, w});
  out.labels = labels_from_bytes(labels, n);
  uint8_t max_label = *std::max_element(labels, labels + n);
  out.num_classes = std::max<int64_t>(2, int64_t{max_label} + 1);
  for (int64_t c = 0; c < out.num_classes; ++c) out.class_names.push_back(std::to_string(c));
  out.source = "idx:" + images_path + "," + labels_path;
  return out;
}

}  // namespace advlab::data
