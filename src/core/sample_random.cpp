#include "advlab/core/sample_random.h"

#include "advlab/core/error.h"
#include "advlab/core/seed_mix.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/DistributionsHelper.h>
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

template <typename Fill>
torch::Tensor SampleRandom::fill_rows(const torch::Tensor& rows, int64_t k, Fill fill) {
  ADVLAB_CHECK(k >= 0, "per-sample draw of ", k, " numbers");
  auto r = rows.to(torch::kCPU, torch::kLong).contiguous();
  ADVLAB_CHECK(r.numel() > 0, "per-sample draw over no samples");
  auto out = torch::empty({r.numel(), k}, torch::kFloat);
  const auto* p = r.data_ptr<int64_t>();
  auto* o = out.data_ptr<float>();
  for (int64_t i = 0; i < r.numel(); ++i) {
    auto* impl = at::check_generator<at::CPUGeneratorImpl>(generator(p[i]));
    std::lock_guard<std::mutex> lock(impl->mutex_);
    fill(impl, o + i * k, k);
  }
  return out;
}

// As ATen's CPU uniform_ and random_(from, to) kernels draw for float32: one 32-bit number
// per element, in order (tests/unit/sample_random_test.cpp holds them equal).
torch::Tensor SampleRandom::uniform(const torch::Tensor& rows, int64_t k) {
  return fill_rows(rows, k, [](at::CPUGeneratorImpl* g, float* out, int64_t m) {
    at::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (int64_t j = 0; j < m; ++j) out[j] = static_cast<float>(u(g));
  });
}

torch::Tensor SampleRandom::signs(const torch::Tensor& rows, int64_t k) {
  return fill_rows(rows, k, [](at::CPUGeneratorImpl* g, float* out, int64_t m) {
    at::uniform_int_from_to_distribution<float> coin(2, 0);
    for (int64_t j = 0; j < m; ++j) out[j] = coin(g) * 2.0f - 1.0f;
  });
}

}  // namespace advlab
