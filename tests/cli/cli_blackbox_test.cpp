// A black-box run through the command line: --queries sets the budget, metrics.json and
// query_curve.json carry the query curve, report.html charts it.
#include "advlab/io/json_file.h"
#include "support/cli_runner.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace advlab {
namespace {

TEST(CliBlackBox, SquareRunWritesTheQueryCurveAndChartsIt) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto out = testing::make_temp_dir("blackbox") + "/square";
  auto r = testing::run_cli("attack --model " + testing::fashion_cnn().path +
                            " --limit 30 --attack square --norm linf --eps 0.1 --queries 200 --seed 1 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = io::read_json(out + "/metrics.json");
  EXPECT_EQ(m["params"]["queries"], 200);
  EXPECT_LE(m["queries"]["mean"].get<double>(), 200);
  auto curve = io::read_json(out + "/query_curve.json");
  EXPECT_EQ(curve, m["query_curve"]);
  auto q = curve["queries"].get<std::vector<int64_t>>();
  auto rate = curve["success_rate"].get<std::vector<double>>();
  ASSERT_EQ(q.size(), rate.size());
  ASSERT_GE(q.size(), 2u);
  EXPECT_EQ(q.front(), 0);
  EXPECT_EQ(q.back(), 200);
  for (size_t i = 1; i < rate.size(); ++i) EXPECT_GE(rate[i], rate[i - 1]);
  // Every counted success happened within the budget: the curve ends at the success rate.
  EXPECT_DOUBLE_EQ(rate.back(), m["success_rate"].get<double>());
  EXPECT_EQ(curve["attacked"], m["n_correct"]);
  // Test-model seeds 1/2/3: 0.58, 0.56, 0.79; margin 0.16 (four images) below the lowest.
  EXPECT_GT(rate.back(), 0.4);

  std::ifstream html(out + "/report.html");
  std::stringstream page;
  page << html.rdbuf();
  EXPECT_NE(page.str().find("<svg"), std::string::npos);
  EXPECT_NE(page.str().find("query-curve"), std::string::npos);
}

}  // namespace
}  // namespace advlab
