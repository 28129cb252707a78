// Adversarial training: the fgsm-rs test model is far more robust to PGD than the
// standard one; pgd and trades objectives train, resume bit for bit, and refuse a
// checkpoint made with another objective; bad settings are rejected.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/data/load.h"
#include "advlab/defenses/adversarial_training.h"
#include "advlab/models/architectures.h"
#include "advlab/models/trainer.h"
#include "support/temp_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

namespace advlab {
namespace {

using defenses::AdversarialTrainingOptions;
using defenses::make_adversarial_objective;

double pgd_robust_accuracy(Classifier& model, const data::Dataset& test, double eps) {
  auto x = test.images.narrow(0, 0, 200);
  auto y = test.labels.narrow(0, 0, 200);
  auto result = make_attack("pgd", {{"eps", c10::str(eps)}, {"steps", "20"}})->run(model, x, Misclassification(y), 1);
  return 1.0 - result.success.to(torch::kDouble).mean().item<double>();
}

TEST(AdversarialTraining, FgsmRsModelIsFarMoreRobustThanTheStandardOne) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& standard = testing::fashion_cnn();
  const auto& robust = testing::fashion_robust_cnn();
  double standard_robust = pgd_robust_accuracy(*standard.model, standard.test, 0.1);
  double robust_robust = pgd_robust_accuracy(*robust.model, robust.test, 0.1);
  auto clean = robust.model->predict(robust.test.images.narrow(0, 0, 200));
  double robust_clean = (clean == robust.test.labels.narrow(0, 0, 200)).to(torch::kDouble).mean().item<double>();
  EXPECT_LT(standard_robust, 0.15);
  EXPECT_GT(robust_robust, 0.45) << "fgsm-rs training gave little robustness";
  EXPECT_GT(robust_clean, 0.65);
}

models::TrainOptions short_run(int64_t epochs, std::shared_ptr<models::TrainObjective> objective,
                               const std::string& checkpoint = "") {
  models::TrainOptions o;
  o.epochs = epochs;
  o.batch_size = 64;
  o.seed = 3;
  o.objective = std::move(objective);
  o.checkpoint_path = checkpoint;
  o.resume = !checkpoint.empty();
  return o;
}

torch::jit::Module fresh_model() { return models::make_architecture("small-cnn", {}); }

bool same_parameters(const torch::jit::Module& a, const torch::jit::Module& b) {
  auto pa = a.parameters(), pb = b.parameters();
  auto ib = pb.begin();
  for (const auto& p : pa) {
    if (!torch::equal(p, *ib)) return false;
    ++ib;
  }
  return true;
}

class AdversarialObjectives : public ::testing::TestWithParam<std::string> {};

TEST_P(AdversarialObjectives, TrainsAndResumesExactly) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto train = data::load_dataset("fashion-mnist:train").head(256);
  auto objective = [&] {
    return make_adversarial_objective(AdversarialTrainingOptions(GetParam(), 0.1).steps(3));
  };

  auto straight = fresh_model();
  auto untouched = fresh_model();
  auto summary = models::train_classifier(straight, train, short_run(2, objective()));
  EXPECT_TRUE(std::isfinite(summary.last_epoch_loss));
  EXPECT_FALSE(same_parameters(straight, untouched));

  testing::TempDir dir;
  auto ckpt = (dir.path() / "m.ckpt").string();
  auto resumed = fresh_model();
  models::train_classifier(resumed, train, short_run(1, objective(), ckpt));
  auto reloaded = fresh_model();
  models::train_classifier(reloaded, train, short_run(2, objective(), ckpt));
  EXPECT_TRUE(same_parameters(straight, reloaded)) << "resumed adversarial training differs";

  // The same checkpoint with plain training (another objective) must be refused.
  auto other = fresh_model();
  EXPECT_THROW(models::train_classifier(other, train, short_run(3, nullptr, ckpt)), Error);
}

INSTANTIATE_TEST_SUITE_P(Methods, AdversarialObjectives, ::testing::Values("pgd", "trades", "fgsm-rs"),
                         [](const auto& info) {
                           auto name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(AdversarialTraining, RejectsBadSettings) {
  EXPECT_THROW(make_adversarial_objective(AdversarialTrainingOptions("pgd", -0.1)), Error);
  EXPECT_THROW(make_adversarial_objective(AdversarialTrainingOptions("pgd", 0.1).steps(0)), Error);
  EXPECT_THROW(make_adversarial_objective(AdversarialTrainingOptions("madry", 0.1)), Error);
  EXPECT_THROW(make_adversarial_objective(AdversarialTrainingOptions("pgd", 0.1).norm("l7")), Error);
  EXPECT_THROW(make_adversarial_objective(AdversarialTrainingOptions("trades", 0.1).beta(-1)), Error);
}

}  // namespace
}  // namespace advlab
