// Boundary Attack on the trained CNN: unbounded it breaks every sample, more queries give
// smaller distances, targeted runs hit their targets (from batch images or a starts file),
// and the per-sample budget holds.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/io/tensor_file.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

struct BoundarySamples {
  torch::Tensor x, labels;
};

BoundarySamples boundary_correct_samples(int64_t count, int64_t skip = 0) {
  const auto& trained = testing::fashion_cnn();
  auto pred = trained.model->predict(trained.test.images);
  auto ok = (pred == trained.test.labels).nonzero().squeeze(1).narrow(0, skip, count);
  return {trained.test.images.index_select(0, ok), trained.test.labels.index_select(0, ok)};
}

TEST(BoundaryAttack, BreaksEverySampleAndMoreQueriesGiveSmallerDistances) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = boundary_correct_samples(12);
  Misclassification criterion(s.labels);
  auto few = make_attack("boundary", {{"queries", "150"}})->run(model, s.x, criterion, 2);
  auto many = make_attack("boundary", {{"queries", "1000"}})->run(model, s.x, criterion, 2);
  EXPECT_TRUE(few.success.all().item<bool>());
  EXPECT_TRUE(many.success.all().item<bool>());
  EXPECT_LE(many.queries.max().item<int64_t>(), 1000);
  EXPECT_TRUE((many.gradients == 0).all().item<bool>());
  double d_few = few.minimum_distance.median().item<double>();
  double d_many = many.minimum_distance.median().item<double>();
  std::cout << "boundary median L2: 150 queries " << d_few << ", 1000 queries " << d_many << "\n";
  EXPECT_LT(d_many, 0.8 * d_few);
  // Per sample too, for most samples.
  EXPECT_GE((many.minimum_distance < few.minimum_distance).to(torch::kFloat32).mean().item<double>(), 0.8);
  EXPECT_TRUE(torch::allclose(many.minimum_distance, many.distances.l2, 1e-4, 1e-5));
}

TEST(BoundaryAttack, TargetedRunsHitTheirTargets) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = boundary_correct_samples(20);
  auto targets = (s.labels + 1 + torch::arange(20) % 9) % 10;
  auto result =
      make_attack("boundary", {{"queries", "200"}})->run(model, s.x, TargetedMisclassification(targets), 4);
  EXPECT_GE(result.success.to(torch::kFloat32).mean().item<double>(), 0.9);
  EXPECT_TRUE(torch::equal(result.predictions == targets, result.success));
  EXPECT_LE(result.queries.max().item<int64_t>(), 200);
}

TEST(BoundaryAttack, StartsFromGivenImagesOfTheTargetClass) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  // One correctly classified image of every class, from beyond the attacked samples.
  auto pool = boundary_correct_samples(200, 100);
  std::vector<torch::Tensor> per_class;
  for (int64_t c = 0; c < 10; ++c) {
    auto idx = (pool.labels == c).nonzero().squeeze(1);
    ASSERT_GT(idx.numel(), 0);
    per_class.push_back(pool.x[idx[0].item<int64_t>()]);
  }
  auto dir = testing::make_temp_dir("boundary-starts");
  auto path = dir + "/starts.pt";
  io::save_tensors(path, {{"images", torch::stack(per_class)}});

  // Two samples alone: the batch holds no image of their targets.
  auto s = boundary_correct_samples(2);
  auto targets = (s.labels + 5) % 10;
  TargetedMisclassification criterion(targets);
  auto without = make_attack("boundary", {{"queries", "150"}, {"noise_tries", "0"}})->run(model, s.x, criterion, 1);
  EXPECT_FALSE(without.success.any().item<bool>());
  auto with = make_attack("boundary", {{"queries", "150"}, {"noise_tries", "0"}, {"starts", path}})
                  ->run(model, s.x, criterion, 1);
  EXPECT_TRUE(with.success.all().item<bool>());
  EXPECT_LE(with.queries.max().item<int64_t>(), 150);
}

TEST(BoundaryAttack, RejectsBadOptions) {
  EXPECT_THROW(make_attack("boundary", {{"norm", "linf"}}), Error);
  EXPECT_THROW(make_attack("boundary", {{"source_step", "1.5"}}), Error);
  EXPECT_THROW(make_attack("boundary", {{"spherical_step", "0"}}), Error);
  EXPECT_THROW(make_attack("boundary", {{"step_adaptation", "1"}}), Error);
  EXPECT_THROW(make_attack("boundary", {{"eps", "-1"}}), Error);
}

}  // namespace
}  // namespace advlab
