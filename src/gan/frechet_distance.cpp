#include "advlab/gan/frechet_distance.h"

#include "advlab/core/error.h"
#include "advlab/core/torch_compat.h"

#include <torch/torch.h>

namespace advlab::gan {

GaussianFit fit_gaussian(const torch::Tensor& features) {
  ADVLAB_CHECK(features.dim() == 2 && features.size(0) >= 2,
               "fid: features must be [N, F] with N >= 2, got ", features.sizes());
  auto x = features.to(torch::kFloat64);
  ADVLAB_CHECK(torch::isfinite(x).all().item<bool>(), "fid: features contain NaN or Inf");
  GaussianFit fit;
  fit.count = x.size(0);
  fit.mean = x.mean(0);
  auto centred = x - fit.mean;
  fit.cov = centred.t().mm(centred) / static_cast<double>(fit.count - 1);
  return fit;
}

torch::Tensor psd_sqrt(const torch::Tensor& symmetric) {
  auto s = symmetric.to(torch::kFloat64);
  s = (s + s.t()) / 2;  // exact symmetry for eigh
  auto [values, vectors] = compat::eigh(s, "L");
  return vectors.mm(torch::diag(values.clamp_min(0).sqrt())).mm(vectors.t());
}

double frechet_distance(const GaussianFit& a, const GaussianFit& b) {
  ADVLAB_CHECK(a.mean.defined() && b.mean.defined() && a.mean.numel() == b.mean.numel(),
               "fid: the two feature sets have different dimensions (",
               a.mean.defined() ? a.mean.numel() : 0, " vs ", b.mean.defined() ? b.mean.numel() : 0, ")");
  auto root_a = psd_sqrt(a.cov);
  auto middle = root_a.mm(b.cov.to(torch::kFloat64)).mm(root_a);
  middle = (middle + middle.t()) / 2;
  auto eigenvalues = compat::eigvalsh(middle, "L");
  double cross = eigenvalues.clamp_min(0).sqrt().sum().item<double>();
  double mean_term = (a.mean - b.mean).pow(2).sum().item<double>();
  double d = mean_term + a.cov.trace().item<double>() + b.cov.trace().item<double>() - 2 * cross;
  return std::max(d, 0.0);  // rounding can leave -1e-12 for identical fits
}

}  // namespace advlab::gan
