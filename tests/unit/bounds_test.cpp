#include "advlab/core/bounds.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

TEST(Bounds, ContainsAndClip) {
  advlab::Bounds b{0.0, 1.0};
  auto x = torch::tensor({-0.5, 0.2, 1.5});
  EXPECT_FALSE(b.contains(x));
  EXPECT_TRUE(b.contains(b.clip(x)));
}
