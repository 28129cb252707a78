#pragma once
// Small in-memory datasets for tests: no files, no downloads, learnable in seconds.
#include "advlab/data/dataset.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace advlab::testing {

// Four classes: class k has a bright quadrant k (0 top-left, 1 top-right, 2 bottom-left,
// 3 bottom-right) over uniform noise in [0, 0.3]. Deterministic in `seed`.
inline data::Dataset quadrant_dataset(int64_t count, int64_t channels = 1, int64_t size = 12,
                                      uint64_t seed = 0) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto images = torch::rand({count, channels, size, size}, gen, torch::kFloat32) * 0.3;
  auto labels = torch::arange(count, torch::kLong) % 4;
  int64_t half = size / 2;
  for (int64_t i = 0; i < count; ++i) {
    int64_t k = labels[i].item<int64_t>();
    int64_t r = (k / 2) * half, c = (k % 2) * half;
    images[i].slice(1, r, r + half).slice(2, c, c + half).add_(0.7);
  }
  data::Dataset d;
  d.images = images;
  d.labels = labels;
  d.num_classes = 4;
  d.class_names = {"top-left", "top-right", "bottom-left", "bottom-right"};
  d.source = "synthetic quadrants";
  return d;
}

}  // namespace advlab::testing
