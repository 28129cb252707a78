// `advlab eval --suite rapid`: APGD-CE, then APGD-T towards the 3 nearest classes by
// MALT's linearised distance, as the report records; APGD-T spends at most 3 targets x 100
// steps plus the 9 class gradients of the ranking per sample it attacks.
#include "advlab/io/json_file.h"
#include "support/cli_runner.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>

namespace advlab {
namespace {

TEST(EvalSuiteCommand, RapidRunsApgdTTowardsTheThreeNearestClasses) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  testing::ScratchDir scratch;
  const auto dir = scratch.path() / "rapid";
  auto run = testing::run_cli("eval --model " + testing::fashion_robust_cnn().path +
                              " --limit 40 --no-checks --eps 0.1 --suite rapid --out " + dir.string());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto report = io::read_json((dir / "report.json").string());
  EXPECT_EQ(report["suite"], nlohmann::json({"apgd-ce", "apgd-t"}));
  const auto& attacks = report["results"][0]["attacks"];
  ASSERT_EQ(attacks.size(), 2u);
  const auto& t = attacks[1];
  EXPECT_EQ(t["params"]["target_order"], "malt");
  EXPECT_EQ(t["params"]["target_classes"], 3);
  const int64_t attacked = t["attacked"].get<int64_t>();
  ASSERT_GT(attacked, 0) << "APGD-CE broke every sample: nothing left to test APGD-T's budget on";
  EXPECT_LE(t["gradients"].get<int64_t>(), attacked * (3 * 100 + 9));
  EXPECT_LE(t["robust_accuracy_after"].get<double>(), attacks[0]["robust_accuracy_after"].get<double>());
}

}  // namespace
}  // namespace advlab
