#include "advlab/core/sample_random.h"

#include "advlab/core/error.h"
#include "advlab/core/seed_mix.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace advlab {

namespace {
constexpr uint64_t kSampleStream = 0x73616d706c65ULL;  // "sample": apart from other derived seeds
}

SampleSeeds SampleSeeds::first(uint64_t seed, int64_t n) { return {seed, torch::arange(n, torch::kLong)}; }

SampleRandom::SampleRandom(SampleSeeds seeds) : seed_(seeds.seed) {
  auto ids = seeds.ids.to(torch::kCPU, torch::kLong).contiguous();
  ids_.assign(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
  generators_.resize(ids_.size());
}

at::Generator& SampleRandom::generator(int64_t row) {
  ADVLAB_CHECK(row >= 0 && row < size(), "sample row ", row, " outside the batch of ", size());
  auto& g = generators_[static_cast<size_t>(row)];
  if (!g.defined()) g = at::detail::createCPUGenerator(derived_seed(seed_, ids_[static_cast<size_t>(row)], kSampleStream));
  return g;
}

torch::Tensor SampleRandom::per_row(const torch::Tensor& rows,
                                    const std::function<torch::Tensor(at::Generator&, int64_t)>& draw) {
  auto r = rows.to(torch::kCPU, torch::kLong).contiguous();
  std::vector<torch::Tensor> parts;
  parts.reserve(static_cast<size_t>(r.numel()));
  const auto* p = r.data_ptr<int64_t>();
  for (int64_t i = 0; i < r.numel(); ++i) parts.push_back(draw(generator(p[i]), i));
  ADVLAB_CHECK(!parts.empty(), "per-sample draw over no samples");
  return torch::cat(parts);
}

}  // namespace advlab
