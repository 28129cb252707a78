#include "advlab/core/error.h"
#include "advlab/models/architectures.h"
#include "advlab/models/classifier.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <tuple>

namespace {

using advlab::models::ArchitectureOptions;
using advlab::models::architecture_names;
using advlab::models::make_architecture;

ArchitectureOptions shape(int64_t c, int64_t h, int64_t w, int64_t classes = 10, uint64_t seed = 0) {
  ArchitectureOptions o;
  o.in_channels = c;
  o.height = h;
  o.width = w;
  o.num_classes = classes;
  o.seed = seed;
  return o;
}

void expect_same_parameters(const torch::jit::Module& a, const torch::jit::Module& b) {
  auto pa = a.parameters(), pb = b.parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (auto ia = pa.begin(), ib = pb.begin(); ia != pa.end(); ++ia, ++ib) {
    EXPECT_TRUE(torch::equal(*ia, *ib));
  }
}

class EveryArchitecture : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryArchitecture, OutputsLogitsForGrayAndColourInputs) {
  for (auto [c, h, w] : {std::tuple<int64_t, int64_t, int64_t>{1, 28, 28}, {3, 32, 32}}) {
    auto m = make_architecture(GetParam(), shape(c, h, w, 7));
    auto out = m.forward({torch::rand({3, c, h, w})}).toTensor();
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 7})) << GetParam() << " on " << c << "x" << h;
    EXPECT_FALSE(m.is_training());
    EXPECT_EQ(m.attr("input_shape").toIntVector(), (std::vector<int64_t>{c, h, w}));
    EXPECT_EQ(m.attr("num_classes").toInt(), 7);
    EXPECT_EQ(m.attr("architecture").toStringRef(), GetParam());
  }
}

TEST_P(EveryArchitecture, SameSeedSameWeightsWhateverTheGlobalGenerator) {
  torch::manual_seed(1);
  auto a = make_architecture(GetParam(), shape(1, 28, 28, 10, 42));
  torch::manual_seed(2);
  torch::rand({100});
  auto b = make_architecture(GetParam(), shape(1, 28, 28, 10, 42));
  expect_same_parameters(a, b);

  auto c = make_architecture(GetParam(), shape(1, 28, 28, 10, 43));
  EXPECT_FALSE(torch::equal(*a.parameters().begin(), *c.parameters().begin()));
}

TEST_P(EveryArchitecture, InputGradientFlowsThroughClassifier) {
  advlab::TorchScriptClassifier classifier(make_architecture(GetParam(), shape(3, 32, 32)));
  auto x = torch::rand({2, 3, 32, 32}).requires_grad_();
  auto logits = classifier.logits(x);
  logits.select(1, 0).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_GT(x.grad().abs().sum().item<double>(), 0.0);
  EXPECT_EQ(classifier.num_classes(), 10);
}

INSTANTIATE_TEST_SUITE_P(Architectures, EveryArchitecture,
                         ::testing::ValuesIn(architecture_names()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

TEST(Architectures, UnknownNameListsTheKnownOnes) {
  try {
    make_architecture("vgg", shape(1, 28, 28));
    FAIL() << "expected advlab::Error";
  } catch (const advlab::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("vgg"), std::string::npos);
    EXPECT_NE(msg.find("small-cnn"), std::string::npos);
    EXPECT_NE(msg.find("resnet-small"), std::string::npos);
  }
}

TEST(Architectures, RejectsInputsTooSmall) {
  EXPECT_THROW(make_architecture("lenet", shape(1, 8, 8)), advlab::Error);
  EXPECT_THROW(make_architecture("mlp", shape(1, 28, 28, 1)), advlab::Error);
}

TEST(Architectures, ResNetBatchNormTracksStatisticsOnlyInTrainMode) {
  auto m = make_architecture("resnet-small", shape(3, 16, 16));
  auto running_mean = m.attr("stem_bn_rm").toTensor().clone();
  m.forward({torch::rand({4, 3, 16, 16})});
  EXPECT_TRUE(torch::equal(m.attr("stem_bn_rm").toTensor(), running_mean));
  m.train(true);
  m.forward({torch::rand({4, 3, 16, 16})});
  EXPECT_FALSE(torch::equal(m.attr("stem_bn_rm").toTensor(), running_mean));
}

}  // namespace
