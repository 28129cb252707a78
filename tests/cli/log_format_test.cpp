// Progress output that is not a terminal: plain lines without '\r' or escape codes, one
// JSON object per event with --log-format json, nothing with --quiet; and the
// --version / doctor reports.
#include "support/cli_runner.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace advlab {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string train_args(const testing::ScratchDir& dir) {
  return "train --data fashion-mnist:test --limit 512 --epochs 2 --batch-size 64 --out " + dir.file("m.pt");
}

TEST(LogFormat, RedirectedProgressIsPlainLines) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  testing::ScratchDir dir;
  auto run = testing::run_cli(train_args(dir));  // stderr is a pipe here, not a terminal
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find('\r'), std::string::npos);
  EXPECT_EQ(run.err.find('\033'), std::string::npos);
  int epoch_lines = 0;
  for (const auto& line : lines_of(run.err)) {
    EXPECT_LT(line.size(), 300u) << line;
    epoch_lines += line.rfind("epoch ", 0) == 0 && line.find("took") != std::string::npos;
  }
  EXPECT_EQ(epoch_lines, 2) << run.err;  // one closing line per epoch
}

TEST(LogFormat, JsonWritesOneObjectPerEvent) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  testing::ScratchDir dir;
  auto run = testing::run_cli("--log-format json " + train_args(dir));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  int done = 0;
  for (const auto& line : lines_of(run.err)) {
    if (line.empty() || line[0] != '{') continue;
    auto event = nlohmann::json::parse(line);  // throws (fails the test) on a bad line
    ASSERT_TRUE(event.contains("event")) << line;
    if (event["event"] == "done") {
      ++done;
      EXPECT_EQ(event["label"], "train");
      EXPECT_EQ(event["step"], event["steps"]);
      EXPECT_GE(event["accuracy"].get<double>(), 0.0);
    }
  }
  EXPECT_EQ(done, 2) << run.err;
}

TEST(LogFormat, QuietWritesNoProgressAndBadFormatsAreRejected) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  testing::ScratchDir dir;
  auto run = testing::run_cli("--quiet " + train_args(dir));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find("epoch "), std::string::npos) << run.err;
  auto bad = testing::run_cli("--log-format fancy list-attacks");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown log format 'fancy'"), std::string::npos) << bad.err;
}

TEST(VersionAndDoctor, ReportWhatWasBuiltAndWhatIsInstalled) {
  auto version = testing::run_cli("--threads 1 --version");
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(version.out.rfind("advlab ", 0), 0u) << version.out;
  EXPECT_NE(version.out.find("LibTorch "), std::string::npos) << version.out;
  EXPECT_NE(version.out.find("devices: cpu"), std::string::npos) << version.out;
  EXPECT_NE(version.out.find("threads: 1"), std::string::npos) << version.out;

  // The data check follows ADVLAB_FASHION_MNIST_DIR: pointed at an empty folder it fails
  // and says what to install.
  testing::ScratchDir dir;
  auto doctor = testing::run_cli("doctor", {{"ADVLAB_FASHION_MNIST_DIR", dir.path().string()}});
  EXPECT_EQ(doctor.exit_code, 2);
  EXPECT_NE(doctor.out.find("FIX   Fashion-MNIST"), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.out.find("dataset-fashion-mnist"), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.err.find("advlab: error: 1 check(s) need fixing"), std::string::npos) << doctor.err;
}

}  // namespace
}  // namespace advlab
