#pragma once
// Random draws keyed by (seed, sample index) instead of (seed, batch): each sample of a
// run owns a generator seeded from the run's seed and its index in the whole dataset, so
// what an attack draws for a sample is the same whatever batch (or process) the sample
// lands in, for any --batch-size and any number of ranks. An attack stays
// batch-independent as long as it draws a sample's numbers only from that sample's
// generator and never lets another sample decide how many it draws.
#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace advlab {

// The seed and the dataset indices of one batch's samples.
struct SampleSeeds {
  uint64_t seed = 0;
  torch::Tensor ids;  // int64 [N]

  // Samples 0..n-1 of a batch that is the whole run.
  static SampleSeeds first(uint64_t seed, int64_t n);
};

class SampleRandom {
 public:
  SampleRandom() = default;
  explicit SampleRandom(SampleSeeds seeds);

  int64_t size() const { return static_cast<int64_t>(generators_.size()); }
  // The generator of row `row` of the batch (created on first use).
  at::Generator& generator(int64_t row);
  // draw(generator of rows[i], i) -> [1, ...] for every i; the rows stacked: [n, ...].
  torch::Tensor per_row(const torch::Tensor& rows,
                        const std::function<torch::Tensor(at::Generator&, int64_t)>& draw);
  // The numbers of torch::rand({1, k}, g) and of torch::randint(0, 2, {1, k}, g) * 2 - 1
  // (float32), g the generator of each of `rows`, written straight into [n, k]: the same
  // draws as per_row with those, without a tensor per sample (Square draws a few numbers
  // per sample at each of thousands of steps).
  torch::Tensor uniform(const torch::Tensor& rows, int64_t k);
  torch::Tensor signs(const torch::Tensor& rows, int64_t k);

 private:
  // fill(generator, out, k) for each of rows into [n, k] float32.
  template <typename Fill>
  torch::Tensor fill_rows(const torch::Tensor& rows, int64_t k, Fill fill);

  uint64_t seed_ = 0;
  std::vector<int64_t> ids_;
  std::vector<at::Generator> generators_;
};

}  // namespace advlab
