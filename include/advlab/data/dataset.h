#pragma once
// A labelled image set held in memory: the unit every loader returns and every
// attack and trainer consumes.
#include <torch/types.h>

#include <string>
#include <vector>

namespace advlab::data {

struct Dataset {
  torch::Tensor images;  // float32 [N, C, H, W], values in [0, 1]
  torch::Tensor labels;  // int64 [N], values in [0, num_classes)
  int64_t num_classes = 0;
  std::vector<std::string> class_names;  // size num_classes (may be "0".."9")
  std::string source;                    // where it came from, for reports

  int64_t size() const { return images.defined() ? images.size(0) : 0; }
  // The first `count` samples in file order (all of them if count <= 0 or too large).
  Dataset head(int64_t count) const;
  // Samples [start, start + count).
  Dataset slice(int64_t start, int64_t count) const;
  // The samples at `index` (int64 [M]), in that order.
  Dataset select(const torch::Tensor& index) const;
  // CRC-32 of the samples themselves (images as float32, then labels, as 8 hex digits):
  // pins the exact data even when it came from a subset of a file.
  std::string content_crc32() const;
};

}  // namespace advlab::data
