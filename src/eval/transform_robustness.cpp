#include "advlab/eval/transform_robustness.h"

#include "advlab/core/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace advlab::eval {

torch::Tensor success_under_transforms(Classifier& model, const torch::Tensor& images,
                                       const Criterion& criterion, const TransformSuccessOptions& options) {
  ADVLAB_CHECK(options.views >= 1, "success_under_transforms: views must be >= 1, got ", options.views);
  ADVLAB_CHECK(options.batch_size >= 1, "success_under_transforms: batch_size must be >= 1, got ",
               options.batch_size);
  ADVLAB_CHECK(images.defined() && images.dim() == 4, "success_under_transforms: images must be [N, C, H, W]");
  const int64_t n = images.size(0);
  ADVLAB_CHECK(criterion.classes().size(0) == n, "success_under_transforms: criterion has ",
               criterion.classes().size(0), " samples but there are ", n, " images");
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(options.seed);
  auto device = model.device();
  auto hits = torch::zeros({n}, torch::kFloat64);
  // Views are laid out sample-major (view v of sample i is row i * views + v) and
  // evaluated batch_size rows at a time, so memory does not grow with views.
  const int64_t total = n * options.views;
  for (int64_t start = 0; start < total; start += options.batch_size) {
    const int64_t count = std::min(options.batch_size, total - start);
    auto sample = torch::arange(start, start + count, torch::kLong).div(options.views, "floor");
    auto batch = images.index_select(0, sample.to(images.device())).to(device, torch::kFloat32);
    auto views = random_physical_transform(batch, options.transforms, gen);
    auto hit = criterion.select(sample)->is_adversarial(model.logits(views)).to(torch::kCPU);
    hits.index_add_(0, sample, hit.to(torch::kFloat64));
  }
  return (hits / static_cast<double>(options.views)).to(torch::kFloat32);
}

}  // namespace advlab::eval
