// Transfer attack on the trained CNN: with the model itself as surrogate it does as well
// as the white-box attack; a substitute trained from oracle labels beats random noise of
// the same norm; label queries are charged to the samples.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"
#include "support/trained_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

struct TransferSamples {
  torch::Tensor x, labels;
};

TransferSamples transfer_correct_samples(int64_t count) {
  const auto& trained = testing::fashion_cnn();
  auto pred = trained.model->predict(trained.test.images);
  auto ok = (pred == trained.test.labels).nonzero().squeeze(1).narrow(0, 0, count);
  return {trained.test.images.index_select(0, ok), trained.test.labels.index_select(0, ok)};
}

double transfer_rate(const torch::Tensor& success) { return success.to(torch::kFloat32).mean().item<double>(); }

// A surrogate trained for another set of classes is refused with a line that says so.
TEST(TransferAttack, SurrogateWithOtherClassesIsAOneLineError) {
  torch::manual_seed(3);
  auto model = testing::make_linear_classifier(torch::randn({2, 16}), torch::zeros({2}));
  auto surrogate = testing::make_linear_classifier(torch::randn({3, 16}), torch::zeros({3}));
  auto path = testing::make_temp_dir("surrogate") + "/three-classes.pt";
  surrogate->module().save(path);
  auto x = torch::rand({4, 1, 4, 4});
  auto labels = model->logits(x).argmax(1).detach();
  auto attack = make_attack("transfer", {{"eps", "0.1"}, {"surrogate", path}});
  try {
    attack->run(*model, x, Misclassification(labels));
    FAIL() << "a 3-class surrogate attacked a 2-class model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has 3 classes but the attacked model has 2"), std::string::npos) << e.what();
  }
}

TEST(TransferAttack, TheModelItselfAsSurrogateMatchesTheWhiteBoxAttack) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto& model = *trained.model;
  auto s = transfer_correct_samples(60);
  Misclassification criterion(s.labels);
  const std::string eps = "0.05";
  auto transfer = make_attack("transfer", {{"eps", eps}, {"surrogate", trained.path}});
  auto inner = transfer->params()["attack"].get<std::string>();
  auto white = make_attack(inner, {{"eps", eps}})->run(model, s.x, criterion, 1);
  auto result = transfer->run(model, s.x, criterion, 1);
  std::cout << "transfer from itself: " << transfer_rate(result.success) << ", white-box " << inner << ": "
            << transfer_rate(white.success) << "\n";
  EXPECT_NEAR(transfer_rate(result.success), transfer_rate(white.success), 0.1);
  // Given a surrogate, only the clean check and at most two result checks are spent.
  EXPECT_LE(result.queries.max().item<int64_t>(), 3);
  EXPECT_TRUE((result.gradients == 0).all().item<bool>());
  EXPECT_TRUE((result.distances.linf <= 0.05 + 1e-6).all().item<bool>());
}

TEST(TransferAttack, ASubstituteFromOracleLabelsBeatsRandomNoise) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = transfer_correct_samples(80);
  Misclassification criterion(s.labels);
  const double eps = 0.15;
  auto result =
      make_attack("transfer", {{"eps", c10::str(eps)}, {"rounds", "4"}, {"epochs", "20"}, {"queries", "40"}})
          ->run(model, s.x, criterion, 1);
  // Random noise of the same norm: uniform in the L-inf ball, and its corners (the
  // strongest random noise of this norm), for the record.
  auto gen = at::detail::createCPUGenerator(5);
  auto uniform = (2 * at::rand(s.x.sizes(), gen, torch::kFloat32) - 1) * eps;
  auto corners = (2 * at::randint(0, 2, s.x.sizes(), gen, torch::kLong).to(torch::kFloat32) - 1) * eps;
  double random = transfer_rate(model.predict((s.x + uniform).clamp(0, 1)) != s.labels);
  double random_corners = transfer_rate(model.predict((s.x + corners).clamp(0, 1)) != s.labels);
  double transfer = transfer_rate(result.success);
  std::cout << "transfer from substitute: " << transfer << ", uniform noise " << random << ", corner noise "
            << random_corners << "\n";
  EXPECT_GE(transfer, random + 0.15);
  // Each sample paid its 2^4 = 16 labels (plus the clean check and 0-2 result checks).
  EXPECT_TRUE((result.queries >= 17).all().item<bool>());
  EXPECT_TRUE((result.queries <= 19).all().item<bool>());
  EXPECT_TRUE((result.gradients == 0).all().item<bool>());
}

TEST(TransferAttack, RoundsShrinkToTheBudget) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = transfer_correct_samples(16);
  // 10 queries: the clean check and 2 kept for the result checks leave 7, which pay for
  // 2 rounds (4 labels), not 3 (8).
  auto result = make_attack("transfer", {{"eps", "0.1"}, {"rounds", "5"}, {"queries", "10"}, {"epochs", "2"}})
                    ->run(model, s.x, Misclassification(s.labels), 1);
  EXPECT_TRUE((result.queries >= 5).all().item<bool>());
  EXPECT_LE(result.queries.max().item<int64_t>(), 7);
}

TEST(TransferAttack, RejectsBadOptions) {
  EXPECT_THROW(make_attack("transfer", {{"norm", "linf"}}), Error);  // eps required
  EXPECT_THROW(make_attack("transfer", {{"eps", "0.1"}, {"surrogate", "/no/such/model.pt"}}), Error);
  EXPECT_THROW(make_attack("transfer", {{"eps", "0.1"}, {"attack", "transfer"}}), Error);
  EXPECT_THROW(make_attack("transfer", {{"eps", "0.1"}, {"attack", "no-such"}}), Error);
  EXPECT_THROW(make_attack("transfer", {{"eps", "0.1"}, {"substitute", "no-such"}}), Error);
  EXPECT_THROW(make_attack("transfer", {{"eps", "0.1"}, {"lambda", "0"}}), Error);
  EXPECT_THROW(make_attack("transfer", {{"eps", "0.1"}, {"norm", "l0"}}), Error);
}

}  // namespace
}  // namespace advlab
