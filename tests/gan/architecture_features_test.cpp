// Every built-in architecture exposes features(x), the input of its last linear layer,
// so any advlab-trained classifier can judge a GAN with penultimate-layer FID.
#include "advlab/gan/judge.h"
#include "advlab/models/architectures.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace {

TEST(ArchitectureFeatures, EveryBuiltInArchitectureHasPenultimateFeatures) {
  for (const auto& name : advlab::models::architecture_names()) {
    advlab::models::ArchitectureOptions options;
    options.in_channels = 3;
    options.height = 32;
    options.width = 32;
    auto module = advlab::models::make_architecture(name, options);
    ASSERT_TRUE(module.find_method("features").has_value()) << name;
    advlab::gan::Judge judge(module, {3, 32, 32});
    EXPECT_EQ(judge.feature_kind(), "penultimate") << name;
    auto x = torch::rand({2, 3, 32, 32});
    auto features = judge.features(x);
    EXPECT_EQ(features.dim(), 2) << name;
    EXPECT_EQ(features.size(0), 2) << name;
    EXPECT_EQ(judge.logits(x).sizes(), (std::vector<int64_t>{2, 10})) << name;
  }
}

}  // namespace
