// Per-sample seeds (sample_random.h): the attacks of the standard and quick suites give a
// sample the same adversarial whether it runs in one batch of 30 or in batches of 7, and
// a sample's draws depend on (seed, its index) alone. Bit for bit for PGD, APGD, APGD-T,
// DI-FGSM, Square (L-inf and L2), NES, SPSA, SimBA and the one-pixel attack. FAB-T uses
// gradient values and ZOO loss values (the others only signs, comparisons or no gradient),
// and LibTorch's CPU passes of the CNN differ in the last bit with the batch size, so those
// two agree to within a few float ulps (on all samples but at most one, whose step the
// difference may tip). Not here: Boundary and HSJA start from the nearest
// other image of the batch that the model already puts in another class (their random
// draws are per sample, their starts are not), and the transfer and patch attacks train on the
// whole batch by design. RP2 (Adam on loss values) agrees to within 1e-5.
#include "advlab/attacks/registry.h"
#include "advlab/core/sample_random.h"
#include "advlab/criteria/criterion.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

TEST(SampleRandom, DrawsDependOnSeedAndSampleIndexOnly) {
  SampleRandom whole(SampleSeeds{5, torch::arange(10, torch::kLong)});
  SampleRandom part(SampleSeeds{5, torch::arange(4, 10, torch::kLong)});
  auto draw = [](at::Generator& g, int64_t) { return torch::rand({1, 3}, g); };
  auto a = whole.per_row(torch::arange(4, 10), draw);
  auto b = part.per_row(torch::arange(0, 6), draw);
  EXPECT_TRUE(torch::equal(a, b));
  SampleRandom other_seed(SampleSeeds{6, torch::arange(10, torch::kLong)});
  EXPECT_FALSE(torch::equal(a, other_seed.per_row(torch::arange(4, 10), draw)));
  // Rows are independent streams: sample 4's second draw is not sample 5's first.
  auto again = whole.per_row(torch::arange(4, 5), draw);
  EXPECT_FALSE(torch::equal(again, a.narrow(0, 1, 1)));
}

struct BatchCase {
  std::string attack;
  std::map<std::string, std::string> options;
  double tolerance = 0;  // largest pixel difference allowed (0: bitwise)
};

void PrintTo(const BatchCase& c, std::ostream* os) { *os << c.attack; }

class BatchIndependence : public ::testing::TestWithParam<BatchCase> {};

TEST_P(BatchIndependence, SameAdversarialsForAnyBatchCut) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  const int64_t n = 30;
  auto x = trained.test.images.narrow(0, 0, n);
  auto labels = trained.test.labels.narrow(0, 0, n);
  auto attack = make_attack(GetParam().attack, GetParam().options);
  const auto budget = attack->default_budget();
  auto whole = attack->run(*trained.model, x, Misclassification(labels), budget,
                           SampleSeeds{11, torch::arange(n, torch::kLong)});
  std::vector<torch::Tensor> parts, successes;
  for (int64_t i = 0; i < n; i += 7) {
    int64_t end = std::min(i + 7, n);
    auto r = attack->run(*trained.model, x.slice(0, i, end), Misclassification(labels.slice(0, i, end)), budget,
                         SampleSeeds{11, torch::arange(i, end, torch::kLong)});
    parts.push_back(r.adversarials);
    successes.push_back(r.success);
  }
  auto cut = torch::cat(parts);
  EXPECT_GT(whole.success.sum().item<int64_t>(), 0);
  EXPECT_TRUE(torch::equal(whole.success, torch::cat(successes)));
  double largest = (whole.adversarials - cut).abs().max().item<double>();
  if (GetParam().tolerance > 0) {
    // A last-bit difference can tip one of FAB-T's steps the other way: the largest
    // difference was 2.4e-7, 7e-3 and 2.4e-7 for test-model seeds 1/2/3, from one sample
    // on seed 2's model. Allowed: one sample of the 30 beyond the tolerance.
    auto per_sample = (whole.adversarials - cut).abs().flatten(1).amax(1);
    EXPECT_LE((per_sample > GetParam().tolerance).sum().item<int64_t>(), 1) << "largest difference " << largest;
  } else EXPECT_TRUE(torch::equal(whole.adversarials, cut))
      << "largest difference " << (whole.adversarials - cut).abs().max().item<double>() << " over "
      << (whole.adversarials != cut).flatten(1).any(1).sum().item<int64_t>() << " samples";
}

INSTANTIATE_TEST_SUITE_P(
    Attacks, BatchIndependence,
    ::testing::Values(BatchCase{"pgd", {{"eps", "0.05"}, {"steps", "10"}}},
                      BatchCase{"apgd-ce", {{"eps", "0.05"}, {"n_iter", "10"}, {"restarts", "2"}}},
                      BatchCase{"apgd-t", {{"eps", "0.05"}, {"n_iter", "5"}, {"target_classes", "2"}}},
                      BatchCase{"fab-t", {{"eps", "0.05"}, {"steps", "5"}, {"target_classes", "2"}}, 1e-6},
                      BatchCase{"square", {{"eps", "0.05"}, {"queries", "100"}}},
                      BatchCase{"square", {{"eps", "1.0"}, {"norm", "l2"}, {"queries", "100"}}},
                      BatchCase{"difgsm", {{"eps", "0.05"}, {"steps", "10"}}},
                      BatchCase{"nes", {{"eps", "0.1"}, {"queries", "200"}}},
                      BatchCase{"spsa", {{"eps", "0.1"}, {"queries", "200"}}},
                      BatchCase{"zoo", {{"eps", "0.1"}, {"queries", "200"}}, 1e-6},
                      BatchCase{"simba", {{"eps", "1.0"}, {"norm", "l2"}, {"queries", "200"}}},
                      BatchCase{"onepixel", {{"eps", "3"}, {"queries", "400"}}},
                      BatchCase{"rp2", {{"eps", "0.3"}, {"steps", "5"}}, 1e-5}),
    [](const auto& info) {
      auto name = info.param.attack;
      if (auto norm = info.param.options.find("norm"); norm != info.param.options.end()) name += "_" + norm->second;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

}  // namespace
}  // namespace advlab
