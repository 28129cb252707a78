#include "advlab/attacks/mask/lazy_mask.h"

#include "advlab/core/error.h"
#include "advlab/threat/mask.h"

#include <torch/torch.h>

namespace advlab {

LazyMask::LazyMask(std::string attack, std::string spec) : attack_(std::move(attack)), spec_(std::move(spec)) {
  ADVLAB_CHECK(!spec_.empty(), attack_, ": mask must be a spec (full, rect:X,Y,W,H, circle:CX,CY,R, ",
               "stickers, border:F or a .png), got an empty string");
  // Syntax, file and emptiness checks now; a fine-grained size so tiny regions are not empty.
  make_mask(spec_, 256, 256);
}

const torch::Tensor& LazyMask::for_images(const torch::Tensor& x) {
  ADVLAB_CHECK(x.dim() == 4, attack_, ": a mask needs images [N, C, H, W], got input of shape ", x.sizes());
  const int64_t h = x.size(2), w = x.size(3);
  if (!mask_.defined() || mask_.size(1) != h || mask_.size(2) != w) mask_ = make_mask(spec_, h, w);
  return mask_;
}

torch::Tensor LazyMask::movable(const torch::Tensor& x) {
  return for_images(x).to(x.device(), x.scalar_type()).unsqueeze(0).expand_as(x).contiguous();
}

}  // namespace advlab
