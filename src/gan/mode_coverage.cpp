#include "advlab/gan/mode_coverage.h"

#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab::gan {

nlohmann::json ModeCoverage::to_json() const {
  return {{"histogram", histogram}, {"samples", samples},     {"classes", classes},
          {"covered", covered},     {"share", share},         {"kl_to_uniform", kl_to_uniform}};
}

ModeCoverage mode_coverage(const torch::Tensor& predicted, int64_t classes, double share) {
  ADVLAB_CHECK(classes >= 2, "mode coverage: classes must be >= 2, got ", classes);
  ADVLAB_CHECK(share > 0 && share <= 1, "mode coverage: share must be in (0, 1], got ", share);
  ADVLAB_CHECK(predicted.dim() == 1 && predicted.numel() > 0,
               "mode coverage: predictions must be a non-empty [N] tensor, got ", predicted.sizes());
  auto labels = predicted.to(torch::kLong).cpu();
  ADVLAB_CHECK(labels.min().item<int64_t>() >= 0 && labels.max().item<int64_t>() < classes,
               "mode coverage: predictions must lie in [0, ", classes, ")");
  auto counts = torch::bincount(labels, {}, classes);
  ModeCoverage c;
  c.classes = classes;
  c.samples = labels.numel();
  c.share = share;
  c.histogram.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + classes);
  const double uniform = static_cast<double>(c.samples) / static_cast<double>(classes);
  for (int64_t k = 0; k < classes; ++k) {
    double n = static_cast<double>(c.histogram[k]);
    if (n >= share * uniform) ++c.covered;
    if (n > 0) {
      double p = n / static_cast<double>(c.samples);
      c.kl_to_uniform += p * std::log(p * static_cast<double>(classes));
    }
  }
  return c;
}

std::string mode_collapse_reason(const ModeCoverage& coverage, int64_t best_covered) {
  if (coverage.covered < best_covered)
    return c10::str("coverage fell to ", coverage.covered, " classes from ", best_covered,
                    " at the best epoch");
  if (coverage.covered < coverage.classes)
    return c10::str("only ", coverage.covered, " of ", coverage.classes, " classes covered");
  return "";
}

}  // namespace advlab::gan
