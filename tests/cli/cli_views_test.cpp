// advlab attack judges physical attacks over fresh random views: rp2 reports
// over_views {views, success_rate, clean_baseline} in metrics.json by default, other
// attacks only when --views asks for it, and a negative --views is refused.
#include "advlab/io/json_file.h"
#include "support/cli_runner.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>

namespace advlab {
namespace {

TEST(CliViews, Rp2ReportsSuccessOverFreshViewsAndACleanBaseline) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto out = testing::make_temp_dir("views") + "/rp2";
  auto r = testing::run_cli("attack --model " + testing::fashion_cnn().path +
                            " --limit 16 --attack rp2 --set fill=0 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = io::read_json(out + "/metrics.json");
  ASSERT_TRUE(m.contains("over_views")) << m.dump();
  const auto& v = m["over_views"];
  EXPECT_EQ(v["views"].get<int64_t>(), 100);
  for (const char* key : {"success_rate", "clean_baseline"}) {
    ASSERT_TRUE(v[key].is_number()) << key;
    EXPECT_GE(v[key].get<double>(), 0.0) << key;
    EXPECT_LE(v[key].get<double>(), 1.0) << key;
  }
  // The perturbation is what fools the model over views, not the views themselves.
  EXPECT_GT(v["success_rate"].get<double>(), v["clean_baseline"].get<double>());
  EXPECT_NE(r.out.find("fresh random views"), std::string::npos) << r.out;
}

TEST(CliViews, OtherAttacksOnlyWhenAskedAndNegativeViewsAreRefused) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  const auto dir = testing::make_temp_dir("views");
  const auto model = testing::fashion_cnn().path;
  auto plain = testing::run_cli("attack --model " + model + " --limit 8 --attack fgsm --eps 0.1 --out " + dir + "/a");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(io::read_json(dir + "/a/metrics.json").contains("over_views"));
  auto asked = testing::run_cli("attack --model " + model + " --limit 8 --attack fgsm --eps 0.1 --views 5 --out " +
                                dir + "/b");
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  EXPECT_EQ(io::read_json(dir + "/b/metrics.json")["over_views"]["views"].get<int64_t>(), 5);
  auto bad = testing::run_cli("attack --model " + model + " --attack fgsm --eps 0.1 --views -3 --out " + dir + "/c");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--views"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace advlab
