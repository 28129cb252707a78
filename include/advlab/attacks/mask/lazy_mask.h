#pragma once
// The `mask` option of sparse attacks (JSMA, SparseFool): a spec (see threat/mask.h) that
// becomes a tensor once the image size is known, i.e. when the attack first sees a batch.
// The spec is checked when the attack is built, so a bad spec fails before any data loads.
#include <torch/types.h>

#include <string>

namespace advlab {

class LazyMask {
 public:
  // `attack` names the owner in error messages.
  LazyMask(std::string attack, std::string spec);

  const std::string& spec() const { return spec_; }
  // The mask [1, H, W] for images x [N, C, H, W] (built once per image size).
  const torch::Tensor& for_images(const torch::Tensor& x);
  // The mask last built (undefined before the first batch).
  const torch::Tensor& tensor() const { return mask_; }
  // 1 where a coordinate of x may change, 0 elsewhere: the mask expanded to x's shape.
  torch::Tensor movable(const torch::Tensor& x);

 private:
  std::string attack_, spec_;
  torch::Tensor mask_;
};

}  // namespace advlab
