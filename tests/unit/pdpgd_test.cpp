// PDPGD: on a four-class linear model it finds the exact smallest L1, L2 and L-inf
// distance (min over classes of margin / dual norm) to within a few percent, never below
// it; on the trained CNN it breaks every sample with a median L1 no worse than FMN-L1's
// and EAD's by a stated margin; a sample's result does not depend on the rest of its
// batch; same seed, same result; bad options are errors.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"
#include "support/option_errors.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <torch/torch.h>

#include <iostream>

namespace advlab {
namespace {

class PdpgdLinear : public ::testing::TestWithParam<std::string> {};

// Only class 1's boundary within reach (rival_offset 4), so the exact answer is one
// margin / dual norm per sample. Measured with the defaults: worst found / exact 1.00003
// (L1), 1.0086 (L2), 1.0011 (L-inf) over 31 samples. With all four classes in reach
// (rival_offset 0), PDPGD settles on a farther class's boundary for a few samples (worst
// 1.23 for L1), while staying within 1.3% of the boundary it lands on.
// "l2:proximal" runs L2 with the proximal step instead of its default gradient step.
TEST_P(PdpgdLinear, FindsTheExactMinimalDistance) {
  const std::string param = GetParam();
  const auto colon = param.find(':');
  const std::string norm = param.substr(0, colon);
  std::map<std::string, std::string> options{{"norm", norm}};
  if (colon != std::string::npos) options["norm_step"] = param.substr(colon + 1);
  auto p = testing::four_class_problem(5, 4.0);
  ASSERT_GE(p.x.size(0), 8);
  auto exact = testing::exact_minimal_distance(p, norm);
  auto r = make_attack("pdpgd", options)->run(*p.model, p.x, Misclassification(p.labels), 0);
  ASSERT_TRUE(r.success.all().item<bool>());
  auto ratio = r.minimum_distance / exact;
  std::cout << param << ": pdpgd / exact distance in [" << ratio.min().item<double>() << ", "
            << ratio.max().item<double>() << "] over " << p.x.size(0) << " samples, median " << ratio.median().item<double>()
            << ", " << (ratio > 1.03).sum().item<int64_t>() << " above 1.03\n";
  EXPECT_GE(ratio.min().item<double>(), 1 - 1e-4);  // a verified adversarial cannot beat the exact answer
  EXPECT_LE(ratio.max().item<double>(), 1.03);  // a few percent
}

INSTANTIATE_TEST_SUITE_P(Norms, PdpgdLinear, ::testing::Values("l1", "l2", "l2:proximal", "linf"));

// L1 with the classification term pulling beyond the boundary in every run (adv-lib's
// softplus(m)), and with the hinge in every run (the L1 default before session 21).
// Measured: softplus ends a median 1.055 of the exact distance (worst 1.19; 26 of 31
// samples above 1.03), the hinge within 1.0004; softplus in the targeted runs only
// (`targeted-softplus`) within 1.0004 too.
TEST(PdpgdLinearClassificationTerm, TheHingeLandsOnTheBoundarySoftplusBeyondIt) {
  auto p = testing::four_class_problem(5, 4.0);
  auto exact = testing::exact_minimal_distance(p, "l1");
  auto ratio = [&](const std::string& term) {
    auto r = make_attack("pdpgd", {{"norm", "l1"}, {"classification", term}})
                 ->run(*p.model, p.x, Misclassification(p.labels), 0);
    EXPECT_TRUE(r.success.all().item<bool>()) << term;
    return r.minimum_distance / exact;
  };
  auto hinge = ratio("hinge"), softplus = ratio("softplus");
  EXPECT_GE(hinge.min().item<double>(), 1 - 1e-4);
  EXPECT_LE(hinge.max().item<double>(), 1.03);
  EXPECT_GE(softplus.min().item<double>(), 1 - 1e-4);
  EXPECT_GT(softplus.median().item<double>(), hinge.median().item<double>());  // why the untargeted run keeps the hinge
}

// Per-sample state only, and no vectorised transcendental on it (scalar_map.h).
TEST(Pdpgd, ASamplesResultDoesNotDependOnItsBatch) {
  auto p = testing::four_class_problem(5);
  auto attack = make_attack("pdpgd", {{"norm", "l2"}, {"steps", "200"}});
  auto whole = attack->run(*p.model, p.x, Misclassification(p.labels), 3);
  auto half = p.x.size(0) / 2;
  auto part = attack->run(*p.model, p.x.narrow(0, 0, half), Misclassification(p.labels.narrow(0, 0, half)), 3);
  EXPECT_TRUE(torch::equal(whole.adversarials.narrow(0, 0, half), part.adversarials));
  auto again = attack->run(*p.model, p.x, Misclassification(p.labels), 3);
  EXPECT_TRUE(torch::equal(whole.adversarials, again.adversarials)) << "same seed, different result";
}

TEST(Pdpgd, BreaksTheCnnAsSparselyAsFmnAndEad) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  const auto images = testing::first_test_images(trained, 100);
  const auto &x = images.x, &labels = images.labels, &correct = images.correct;
  Misclassification criterion(labels);
  auto pdpgd = make_attack("pdpgd", {})->run(*trained.model, x, criterion, 0);
  auto fmn = make_attack("fmn", {{"norm", "l1"}, {"target_classes", "0"}})->run(*trained.model, x, criterion, 0);
  // EAD at its former short budget (its defaults take 40 s here; bench-attacks measures them).
  auto ead = make_attack("ead", {{"steps", "50"}, {"search_steps", "3"}, {"abort_early", "true"}, {"target_classes", "0"}})
                 ->run(*trained.model, x, criterion, 0);
  EXPECT_TRUE(pdpgd.success.all().item<bool>());
  auto median = [&](const AttackResult& r) { return r.minimum_distance.index_select(0, correct).median().item<double>(); };
  std::cout << "median L1: pdpgd " << median(pdpgd) << ", fmn " << median(fmn) << ", ead " << median(ead) << "\n";
  // Median L1 on these 100 images for test-model seeds 1/2/3 (ADVLAB_TEST_MODEL_SEED):
  // pdpgd 3.77/3.98/4.61, fmn 3.85/4.03/4.31, ead 5.89/6.34/6.10, so pdpgd/fmn spans
  // 0.98-1.07; the bound allows 10% over FMN and none over EAD (0.65-0.76 of it).
  EXPECT_LE(median(pdpgd), median(fmn) * 1.10);
  EXPECT_LE(median(pdpgd), median(ead));
  // The returned adversarial is the one measured (unprojected, no eps).
  auto d = (pdpgd.adversarials - x).flatten(1).abs().sum(1);
  EXPECT_TRUE(torch::allclose(d.index_select(0, correct), pdpgd.minimum_distance.index_select(0, correct), 1e-4, 1e-4));
}

TEST(Pdpgd, RejectsBadOptionsWithAnErrorNamingThem) {
  auto rejects = [](const std::map<std::string, std::string>& options, const std::string& needle) {
    testing::expect_attack_rejects("pdpgd", options, needle);
  };
  rejects({{"norm", "l0"}}, "l0");
  rejects({{"steps", "0"}}, "steps");
  rejects({{"primal_lr", "0"}}, "primal_lr");
  rejects({{"primal_lr_decrease", "2"}}, "primal_lr_decrease");
  rejects({{"dual_ratio_init", "-1"}}, "dual_ratio_init");
  rejects({{"dual_lr", "0"}}, "dual_lr");
  rejects({{"dual_lr_decrease", "0"}}, "dual_lr_decrease");
  rejects({{"dual_ema", "1"}}, "dual_ema");
  rejects({{"dual_min_ratio", "1"}}, "dual_min_ratio");
  rejects({{"proximal_steps", "0"}}, "proximal_steps");
  rejects({{"proximal_tolerance", "0"}}, "proximal_tolerance");
  rejects({{"eps", "-1"}}, "eps");
  rejects({{"norm_step", "newton"}}, "norm_step");
  rejects({{"norm", "l1"}, {"norm_step", "gradient"}}, "norm_step");
  rejects({{"classification", "hinged"}}, "classification");
  EXPECT_TRUE(make_attack("pdpgd", {})->params()["eps"].is_null());
  EXPECT_EQ(make_attack("pdpgd", {{"norm", "linf"}, {"eps", "0.1"}})->params()["eps"].get<double>(), 0.1);
}

// L1 and L2 sweep four runs of 250 steps; L-inf two of 500 (the shorter runs lost there);
// the parameters report the values in effect, and explicit ones win.
TEST(Pdpgd, RunsAndStepsDependOnTheNorm) {
  auto params = [](std::map<std::string, std::string> options) { return make_attack("pdpgd", options)->params(); };
  for (const char* norm : {"l1", "l2"}) {
    EXPECT_EQ(params({{"norm", norm}})["steps"].get<int64_t>(), 250);
    EXPECT_EQ(params({{"norm", norm}})["target_classes"].get<int64_t>(), 3);
  }
  EXPECT_EQ(params({{"norm", "linf"}})["steps"].get<int64_t>(), 500);
  EXPECT_EQ(params({{"norm", "linf"}})["target_classes"].get<int64_t>(), 1);
  EXPECT_EQ(params({{"norm", "linf"}, {"steps", "40"}, {"target_classes", "2"}})["steps"].get<int64_t>(), 40);
  EXPECT_EQ(params({{"norm", "linf"}, {"steps", "40"}, {"target_classes", "2"}})["target_classes"].get<int64_t>(), 2);
  EXPECT_EQ(params({{"norm", "l1"}, {"target_classes", "0"}})["target_classes"].get<int64_t>(), 0);
  // L2 takes the norm's gradient into Adam's step (adv-lib's PDGD), the others its proximal operator.
  EXPECT_EQ(params({{"norm", "l2"}})["norm_step"], "gradient");
  EXPECT_EQ(params({{"norm", "l1"}})["norm_step"], "proximal");
  EXPECT_EQ(params({{"norm", "linf"}})["norm_step"], "proximal");
  EXPECT_EQ(params({{"norm", "l2"}, {"norm_step", "proximal"}})["norm_step"], "proximal");
  // Every norm stops the pull at the boundary unless told otherwise.
  EXPECT_EQ(params({{"norm", "l1"}})["classification"], "hinge");
  EXPECT_EQ(params({{"norm", "l1"}, {"classification", "targeted-softplus"}})["classification"], "targeted-softplus");
  EXPECT_EQ(params({{"norm", "l2"}})["classification"], "hinge");
  EXPECT_EQ(params({{"norm", "linf"}})["classification"], "hinge");
  EXPECT_EQ(params({{"norm", "linf"}, {"classification", "softplus"}})["classification"], "softplus");
}

}  // namespace
}  // namespace advlab
