// The iterative FGSM family (bim, mifgsm, difgsm): exact behaviour on a two-class linear
// model, strength on the trained CNN, and option validation.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

struct TwoClassProblem {
  torch::Tensor weight, x, labels, margin;
  std::shared_ptr<TorchScriptClassifier> model;
};

// z0 - z1 = w.(x - 0.5) + 0.3 with x near 0.5, so no bound binds.
TwoClassProblem two_class_problem() {
  torch::manual_seed(11);
  TwoClassProblem p;
  p.weight = torch::randn({2, 16});
  auto w = p.weight[0] - p.weight[1];
  auto bias = torch::stack({0.3 - 0.5 * w.sum(), torch::zeros({})});
  p.x = 0.5 + (torch::rand({16, 1, 4, 4}) - 0.5) * 0.1;
  p.margin = p.x.flatten(1).matmul(w) + bias[0];
  auto keep = (p.margin > 0.05).nonzero().squeeze(1);
  p.x = p.x.index_select(0, keep);
  p.margin = p.margin.index_select(0, keep);
  p.labels = torch::zeros({p.x.size(0)}, torch::kLong);
  p.model = testing::make_linear_classifier(p.weight, bias);
  return p;
}

// On a linear model every step of every member moves along sign(w1 - w0) (L-inf), so
// success must switch on exactly at the analytic distance margin / ||w0 - w1||_1.
TEST(IterativeFgsmLinear, SucceedsExactlyAboveTheAnalyticLinfDistance) {
  auto p = two_class_problem();
  ASSERT_GE(p.x.size(0), 4);
  double scale = (p.weight[0] - p.weight[1]).abs().sum().item<double>();
  for (const char* name : {"bim", "mifgsm", "difgsm"}) {
    for (int64_t i = 0; i < p.x.size(0); ++i) {
      double minimal = p.margin[i].item<double>() / scale;
      for (double factor : {0.97, 1.03}) {
        double eps = minimal * factor;
        // diversity_prob=0: a linear model's gradient does not depend on the input anyway.
        std::map<std::string, std::string> options{{"eps", c10::str(eps)}, {"steps", "20"},
                                                   {"step_size", c10::str(eps / 10)}};
        if (std::string(name) == "difgsm") options["diversity_prob"] = "0";
        auto r = make_attack(name, options)->run(*p.model, p.x.narrow(0, i, 1),
                                                 Misclassification(p.labels.narrow(0, i, 1)), 0);
        EXPECT_EQ(r.success.item<bool>(), factor > 1) << name << " sample " << i;
        EXPECT_LE(r.distances.linf.item<double>(), eps * (1 + 1e-5) + 1e-6) << name;
      }
    }
  }
}

// L2 momentum steps all point along w1 - w0: with eps 1.1 x the analytic distance and four
// steps, only the last iterate crosses, and it sits exactly eps along that direction.
TEST(IterativeFgsmLinear, MifgsmL2StepsAlongTheWeightDifference) {
  auto p = two_class_problem();
  auto w = (p.weight[1] - p.weight[0]).view({1, 1, 4, 4});
  auto unit = w / w.norm();
  for (int64_t i = 0; i < p.x.size(0); ++i) {
    double eps = 1.1 * p.margin[i].item<double>() / w.norm().item<double>();
    auto xi = p.x.narrow(0, i, 1);
    auto r = make_attack("mifgsm", {{"eps", c10::str(eps)}, {"norm", "l2"}, {"steps", "4"}})
                 ->run(*p.model, xi, Misclassification(p.labels.narrow(0, i, 1)), 0);
    ASSERT_TRUE(r.success.item<bool>()) << "sample " << i;
    EXPECT_TRUE(torch::allclose(r.adversarials - xi, eps * unit, 1e-3, 1e-6)) << "sample " << i;
  }
}

TEST(IterativeFgsmCnn, AtLeastAsStrongAsFgsmAtLinf01) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, 100);
  auto labels = trained.test.labels.narrow(0, 0, 100);
  Misclassification criterion(labels);
  auto fgsm = make_attack("fgsm", {{"eps", "0.1"}})->run(*trained.model, x, criterion, 0);
  int64_t fgsm_successes = fgsm.success.sum().item<int64_t>();
  for (const char* name : {"bim", "mifgsm", "difgsm"}) {
    auto r = make_attack(name, {{"eps", "0.1"}})->run(*trained.model, x, criterion, 0);
    int64_t successes = r.success.sum().item<int64_t>();
    // PGD-like attacks break nearly all of this model: bim/mifgsm broke 94/90, 93/89, 96/93
    // of 100 for test-model seeds 1/2/3 (margin: 9 below the lowest), and at least what FGSM
    // breaks (80 with seed 1). DI-FGSM's random transforms make it a transfer attack, weaker
    // in white-box use and dependent on its draws: 77 to 86 over draw seeds 0-9 (model seed
    // 1), about 3 fewer on model seed 2; it must stay well above the 14 clean errors.
    if (std::string(name) == "difgsm") {
      EXPECT_GE(successes, 70) << name;
    } else {
      EXPECT_GE(successes, fgsm_successes) << name;
      EXPECT_GE(successes, 80) << name;
    }
    EXPECT_LE(r.distances.linf.max().item<double>(), 0.1 + 1e-6) << name;
  }
}

TEST(IterativeFgsmCnn, TargetedVariantsReachTheTarget) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, 64);
  auto targets = torch::full({64}, 8, torch::kLong);  // "Bag"
  TargetedMisclassification criterion(targets);
  for (const char* name : {"bim", "mifgsm", "difgsm"}) {
    auto r = make_attack(name, {{"eps", "0.2"}, {"steps", "30"}})->run(*trained.model, x, criterion, 0);
    EXPECT_GT(r.success.to(torch::kDouble).mean().item<double>(), 0.8) << name;
    EXPECT_TRUE(torch::equal(r.predictions.masked_select(r.success), targets.masked_select(r.success)));
  }
}

TEST(IterativeFgsmOptions, BimDefaultsFollowKurakin) {
  auto params = make_attack("bim", {{"eps", "0.1"}})->params();
  EXPECT_EQ(params["steps"].get<int64_t>(), 29);  // min(25.5 + 4, 1.25 * 25.5)
  EXPECT_NEAR(params["step_size"].get<double>(), 1.0 / 255, 1e-12);
  auto mi = make_attack("mifgsm", {{"eps", "0.1"}})->params();
  EXPECT_NEAR(mi["step_size"].get<double>(), 0.01, 1e-12);
  EXPECT_EQ(mi["decay"].get<double>(), 1.0);
}

// Found by fuzz_set_values: eps=1e40 made Kurakin's count overflow the int64 cast.
TEST(IterativeFgsmOptions, BimHugeEpsGetsAsManyStepsAsAnyOther) {
  auto steps = [](const char* eps) {
    return make_attack("bim", {{"eps", eps}})->params()["steps"].get<int64_t>();
  };
  EXPECT_GE(steps("1e40"), steps("1"));
  EXPECT_GE(steps("1e40"), steps("1e6"));
}

TEST(IterativeFgsmOptions, RejectsBadOptions) {
  for (const char* name : {"bim", "mifgsm", "difgsm"}) {
    EXPECT_THROW(make_attack(name, {{"eps", "-0.1"}}), Error) << name;
    EXPECT_THROW(make_attack(name, {{"eps", "0.1"}, {"steps", "0"}}), Error) << name;
    EXPECT_THROW(make_attack(name, {{"eps", "0.1"}, {"step_size", "-1"}}), Error) << name;
    EXPECT_THROW(make_attack(name, {{"eps", "0.1"}, {"loss", "hinge"}}), Error) << name;
    EXPECT_THROW(make_attack(name, {{"eps", "0.1"}, {"stepz", "3"}}), Error) << name;
    EXPECT_THROW(make_attack(name, {}), Error) << name;  // eps is required
  }
  EXPECT_THROW(make_attack("bim", {{"eps", "0.1"}, {"norm", "l2"}}), Error);
  EXPECT_THROW(make_attack("mifgsm", {{"eps", "0.1"}, {"decay", "-1"}}), Error);
  EXPECT_THROW(make_attack("difgsm", {{"eps", "0.1"}, {"diversity_prob", "1.5"}}), Error);
  EXPECT_THROW(make_attack("difgsm", {{"eps", "0.1"}, {"resize_rate", "0"}}), Error);
  EXPECT_THROW(make_attack("difgsm", {{"eps", "0.1"}, {"resize_rate", "1.2"}}), Error);
  try {
    make_attack("bim", {{"eps", "0.1"}, {"steps", "-3"}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("-3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace advlab
