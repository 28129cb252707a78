// advlab bench-attacks end to end on a few Fashion-MNIST images (the smoke check of the
// AttackBench-style harness; the figures come from the benchmark run in the note).
#include "advlab/io/json_file.h"
#include "support/cli_runner.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace advlab {
namespace {

using testing::run_cli;

TEST(BenchAttacksCommand, WritesOptimalityPerAttackAndCurves) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("bench");
  auto r = run_cli("bench-attacks --model " + testing::fashion_cnn().path +
                   " --limit 6 --norm l2 --attacks fgsm,deepfool --bisection-steps 3 --out " + dir + "/b");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("deepfool"), std::string::npos) << r.out;
  auto json = io::read_json(dir + "/b/attack_bench.json");
  ASSERT_EQ(json["attacks"].size(), 2u);
  EXPECT_EQ(json["attacks"][0]["attack"], "deepfool");  // minimum-norm attacks first
  double top = 0;
  for (const auto& a : json["attacks"]) {
    EXPECT_GE(a["optimality"].get<double>(), 0.0);
    EXPECT_LE(a["optimality"].get<double>(), 1.0 + 1e-9);
    EXPECT_EQ(a["box_failures"], 0);
    EXPECT_EQ(a["distances"].size(), 6u);
    top = std::max(top, a["optimality"].get<double>());
  }
  EXPECT_GT(top, 0.5);
  auto html = testing::read_bytes(dir + "/b/attack_bench.html");
  EXPECT_NE(html.find("<canvas"), std::string::npos);
  EXPECT_NE(html.find("optimality"), std::string::npos);
}

TEST(BenchAttacksCommand, BadRequestsAreOneLineErrors) {
  auto dir = testing::make_temp_dir("bench-bad");
  for (const auto& [args, says] : std::vector<std::pair<std::string, std::string>>{
           {"--attacks fgsm,,deepfool", "empty item"},
           {"--attacks no-such-attack", "no-such-attack"},
           {"--attacks deepfool --set pgd.steps=3", "not benchmarked"},
           {"--attacks deepfool --norm l7", "l7"}}) {
    auto r = run_cli("bench-attacks --model m.pt " + args + " --out " + dir + "/b");
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.err.find(says), std::string::npos) << args << ": " << r.err;
    EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/b"));
}

}  // namespace
}  // namespace advlab
