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
    auto views = random_physical_transform(batch, options.transforms, gen, model.bounds());
    auto hit = criterion.select(sample)->is_adversarial(model.logits(views)).to(torch::kCPU);
    hits.index_add_(0, sample, hit.to(torch::kFloat64));
  }
  return (hits / static_cast<double>(options.views)).to(torch::kFloat32);
}

namespace {

PhysicalTransformOptions transforms_from_params(const nlohmann::json& params) {
  PhysicalTransformOptions t;
  if (!params.contains("transforms") || !params["transforms"].is_object()) return t;
  const auto& j = params["transforms"];
  auto get = [&](const char* key, double fallback) { return j.contains(key) ? j[key].get<double>() : fallback; };
  return t.max_rotation(get("max_rotation", t.max_rotation()))
      .min_scale(get("min_scale", t.min_scale()))
      .max_scale(get("max_scale", t.max_scale()))
      .max_translation(get("max_translation", t.max_translation()))
      .max_perspective(get("max_perspective", t.max_perspective()))
      .min_brightness(get("min_brightness", t.min_brightness()))
      .max_brightness(get("max_brightness", t.max_brightness()))
      .max_blur(get("max_blur", t.max_blur()))
      .fill(get("fill", t.fill()));
}

}  // namespace

nlohmann::json success_over_views(Classifier& model, const data::Dataset& dataset, const AttackRun& run,
                                  TransformSuccessOptions options) {
  ADVLAB_CHECK(dataset.size() == run.size(), "success_over_views: the run has ", run.size(),
               " samples but the dataset ", dataset.size());
  options.transforms = transforms_from_params(run.params);
  std::shared_ptr<Criterion> criterion;
  if (run.targeted())
    criterion = std::make_shared<TargetedMisclassification>(run.targets);
  else
    criterion = std::make_shared<Misclassification>(run.labels);
  auto correct = (run.clean_predictions == run.labels).nonzero().squeeze(1);
  auto rate = [&](const torch::Tensor& images) -> nlohmann::json {
    if (correct.numel() == 0) return nullptr;
    auto per_sample = success_under_transforms(model, images.index_select(0, correct),
                                               *criterion->select(correct), options);
    return per_sample.to(torch::kDouble).mean().item<double>();
  };
  return {{"views", options.views},
          {"seed", options.seed},
          {"success_rate", rate(run.result.adversarials)},
          {"clean_baseline", rate(dataset.images)}};
}

}  // namespace advlab::eval
