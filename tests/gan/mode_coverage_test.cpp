// Mode coverage: known histograms, collapse flags, and judged "generators" that replay
// real images of one class (collapsed) or of all classes (not collapsed).
#include "advlab/gan/generator_diagnostics.h"
#include "advlab/gan/mode_coverage.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace {

namespace data = advlab::data;
using namespace advlab::gan;

TEST(ModeCoverage, KnownHistograms) {
  auto all_one = mode_coverage(torch::full({100}, 3, torch::kLong), 10);
  EXPECT_EQ(all_one.covered, 1);
  EXPECT_EQ(all_one.histogram[3], 100);
  EXPECT_NEAR(all_one.kl_to_uniform, std::log(10.0), 1e-12);

  auto uniform = mode_coverage(torch::arange(100, torch::kLong) % 10, 10);
  EXPECT_EQ(uniform.covered, 10);
  EXPECT_NEAR(uniform.kl_to_uniform, 0.0, 1e-12);

  // 4 classes, 40 samples (uniform share 10, threshold 2.5): counts 30, 7, 2, 1 -> 2 covered.
  std::vector<int64_t> labels(30, 0);
  labels.insert(labels.end(), 7, 1);
  labels.insert(labels.end(), 2, 2);
  labels.push_back(3);
  auto skewed = mode_coverage(torch::tensor(labels), 4);
  EXPECT_EQ(skewed.covered, 2);
  double kl = 0;
  for (double n : {30.0, 7.0, 2.0, 1.0}) kl += n / 40 * std::log(n / 40 * 4);
  EXPECT_NEAR(skewed.kl_to_uniform, kl, 1e-12);
}

TEST(ModeCoverage, CollapseWhenClassesMissingOrCoverageFalls) {
  auto full = mode_coverage(torch::arange(100, torch::kLong) % 10, 10);
  EXPECT_EQ(mode_collapse_reason(full, 0), "");
  EXPECT_EQ(mode_collapse_reason(full, 10), "");
  auto partial = mode_coverage(torch::arange(100, torch::kLong) % 7, 10);
  EXPECT_NE(mode_collapse_reason(partial, 0).find("only 7 of 10"), std::string::npos);
  EXPECT_NE(mode_collapse_reason(partial, 9).find("fell to 7 classes from 9"), std::string::npos);
}

TEST(ModeCoverage, RejectsBadInput) {
  auto msg = advlab::testing::error_message([] { mode_coverage(torch::tensor({0, 12}), 10); });
  EXPECT_NE(msg.find("[0, 10)"), std::string::npos) << msg;
  msg = advlab::testing::error_message([] { mode_coverage(torch::tensor({0, 1}), 10, 0.0); });
  EXPECT_NE(msg.find("share"), std::string::npos) << msg;
}

// A TorchScript "generator" that replays stored images: latent z picks bank[|z_0| * 997 % M].
torch::jit::Module replay_generator(const torch::Tensor& bank) {
  torch::jit::Module m("__torch__.ReplayGenerator");
  m.register_attribute("training", c10::BoolType::get(), false);
  m.register_attribute("latent_dim", c10::IntType::get(), int64_t{8});
  m.register_attribute("output_shape", c10::ListType::ofInts(), c10::List<int64_t>({1, 28, 28}));
  m.register_attribute("architecture", c10::StringType::get(), std::string("replay"));
  m.register_buffer("bank", bank.contiguous());
  m.define(R"(
def forward(self, z):
    index = (z[:, 0].abs() * 997.0).long() % self.bank.size(0)
    return self.bank.index_select(0, index)
)");
  return m;
}

TEST(ModeCoverage, OneClassReplayIsCollapsedAllClassReplayIsNot) {
  if (!advlab::testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& cnn = advlab::testing::fashion_cnn();
  auto judge = std::make_shared<Judge>(Judge::load(cnn.path, {1, 28, 28}));
  auto real = cnn.test.images.slice(0, 0, 250);
  GeneratorDiagnostics diagnostics(judge, real, 500, 8, /*seed=*/5);

  auto trousers = cnn.test.images.index({cnn.test.labels == 1});
  auto one_class = replay_generator(trousers);
  auto collapsed = diagnostics.evaluate(one_class);
  EXPECT_LE(collapsed.coverage.covered, 2);
  EXPECT_GT(collapsed.coverage.kl_to_uniform, 1.5);  // log 10 = 2.30 when fully collapsed
  EXPECT_NE(mode_collapse_reason(collapsed.coverage, 0), "");

  auto all_classes = replay_generator(cnn.test.images.slice(0, 250, 500));
  auto healthy = diagnostics.evaluate(all_classes);
  EXPECT_EQ(healthy.coverage.covered, 10);
  EXPECT_LT(healthy.coverage.kl_to_uniform, 0.1);
  EXPECT_EQ(mode_collapse_reason(healthy.coverage, 10), "");
  EXPECT_LT(healthy.fid * 5, collapsed.fid) << healthy.fid << " vs " << collapsed.fid;
}

}  // namespace
