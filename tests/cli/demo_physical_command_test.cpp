// `advlab demo physical` on a tiny setting: renders signs, trains, attacks stop signs with
// RP2 stickers, writes the grid and the summary; reuses both on a second run; fails
// loudly when the classifier is below --min-accuracy; rejects bad arguments in one line.
#include "support/cli_runner.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using advlab::testing::read_bytes;
using advlab::testing::run_cli;
using advlab::testing::ScratchDir;

TEST(DemoPhysicalCommand, RunsTheWholeStoryOnATinySetting) {
  ScratchDir dir;
  const std::string out = dir.file("demo");
  const std::string tiny = " --out " + out +
                           " --train-per-class 40 --test-per-class 6 --epochs 3 --batch-size 16 --images 3 --steps 10"
                           " --samples 2 --views 20";
  auto run = run_cli("demo physical" + tiny + " --min-accuracy 0");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("rendering signs"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("training"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("random views"), std::string::npos) << run.out;
  EXPECT_TRUE(std::filesystem::is_regular_file(out + "/signs/train/stop/00039.png"));
  EXPECT_TRUE(std::filesystem::is_regular_file(out + "/model.pt"));
  EXPECT_EQ(read_bytes(out + "/stickered.png").substr(1, 3), "PNG");

  auto summary = nlohmann::json::parse(read_bytes(out + "/summary.json"));
  EXPECT_EQ(summary["images"], 3);
  EXPECT_EQ(summary["scene"], "closeup");
  EXPECT_EQ(summary["target"], "speed-30");
  EXPECT_EQ(summary["attack"]["name"], "rp2");
  EXPECT_EQ(summary["attack"]["params"]["mask"], "placed");
  ASSERT_EQ(summary["per_image_success_over_views"].size(), 3u);
  for (const auto& key : {"success_over_views", "baseline_clean_target_over_views", "success_plain"}) {
    const double v = summary[key].get<double>();
    EXPECT_TRUE(v >= 0 && v <= 1) << key << " = " << v;
  }
  const double accuracy = summary["model"]["test_accuracy"].get<double>();
  EXPECT_GT(accuracy, 0.25);  // 8 classes: chance is 0.125

  // A second run reuses the signs and the model; a bar the model misses fails loudly.
  run = run_cli("demo physical" + tiny + " --min-accuracy 0.9999");
  EXPECT_NE(run.err.find("reusing signs"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("reusing model"), std::string::npos) << run.err;
  if (accuracy < 0.9999) {
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_NE(run.err.find("below --min-accuracy"), std::string::npos) << run.err;
  }
}

TEST(DemoPhysicalCommand, BadArgumentsGiveOneLineErrorsBeforeAnyWork) {
  ScratchDir dir;
  const std::string out = " --out " + dir.file("demo");
  for (std::string args : {std::string("demo"), "demo physical" + out + " --target speed-90",
                           "demo physical" + out + " --target stop", "demo physical" + out + " --views 0",
                           "demo physical" + out + " --steps 0", "demo physical" + out + " --min-accuracy 2",
                           "demo physical" + out + " --mask rect:oops",
                           "demo physical" + out + " --scene street"}) {
    auto run = run_cli(args);
    EXPECT_EQ(run.exit_code, 2) << args;
    EXPECT_EQ(run.err.rfind("advlab: error: ", 0), 0u) << args << ": " << run.err;
    EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << args << ": " << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("demo")));
}
