// A result folder is written as a whole: after any failure it is exactly the old result
// or exactly the new one (issue 16). Writes are made to fail as on a full disk.
#include "advlab/io/json_file.h"
#include "support/cli_runner.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

namespace advlab {
namespace {

namespace fs = std::filesystem;
using testing::read_bytes;
using testing::run_cli;
using testing::run_cli_with_file_limit;

// Every file under dir (relative name -> bytes).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read_bytes(e.path().string());
  return files;
}

// Names beside `dir` that start with its name: the staging folders must be gone.
std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.parent_path())) {
    auto name = e.path().filename().string();
    if (name != dir.filename().string() && name.rfind(dir.filename().string(), 0) == 0) names.push_back(name);
  }
  return names;
}

long kib(uintmax_t bytes) { return static_cast<long>(bytes / 1024); }

TEST(CliOutput, AttackThatFailsToWriteKeepsTheEarlierResult) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  testing::ScratchDir scratch;
  const auto dir = scratch.path() / "result";
  const std::string common = "--model " + testing::fashion_cnn().path + " --limit 20 --eps 0.1 --out " + dir.string();
  auto first = run_cli("attack --attack fgsm " + common);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto before = snapshot(dir);
  // metrics.json fits under the limit, adversarials.pt (written after it) does not.
  const auto adversarials = fs::file_size(dir / "adversarials.pt");
  ASSERT_LT(fs::file_size(dir / "metrics.json"), adversarials / 2);
  auto failed = run_cli_with_file_limit("attack --attack pgd --steps 2 " + common, kib(adversarials / 2));
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_NE(failed.err.find("write failed"), std::string::npos) << failed.err;
  EXPECT_EQ(snapshot(dir), before);
  EXPECT_TRUE(leftovers(dir).empty()) << leftovers(dir)[0];

  auto second = run_cli("attack --attack pgd --steps 2 " + common);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(read_bytes((dir / "metrics.json").string()).find("\"pgd\""), std::string::npos);
  EXPECT_TRUE(leftovers(dir).empty());
}

TEST(CliOutput, EvalThatFailsToWriteKeepsTheEarlierResult) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  testing::ScratchDir scratch;
  const auto dir = scratch.path() / "eval";
  const std::string common = "eval --model " + testing::fashion_cnn().path +
                             " --limit 20 --no-checks --eps 0.1 --out " + dir.string();
  auto first = run_cli(common + " --suite fgsm");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto before = snapshot(dir);
  // The adversarials and report.json fit under the limit, report.html (written last) does not.
  const auto adversarials = fs::file_size(dir / "adversarials-eps0.1.pt"), html = fs::file_size(dir / "report.html");
  const auto limit = (adversarials + html) / 2;
  ASSERT_LT(adversarials + 16 * 1024, limit);
  ASSERT_LT(fs::file_size(dir / "report.json") + 16 * 1024, limit);
  auto failed = run_cli_with_file_limit(common + " --suite fgsm,pgd", kib(limit));
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_NE(failed.err.find("write failed"), std::string::npos) << failed.err;
  EXPECT_EQ(snapshot(dir), before);
  // Only the checkpoint stays beside it, and the message says how to use it.
  EXPECT_EQ(leftovers(dir), std::vector<std::string>{"eval.state.pt"});
  EXPECT_NE(failed.err.find("rerun with --resume"), std::string::npos) << failed.err;
  auto resumed = run_cli(common + " --suite fgsm,pgd --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming"), std::string::npos) << resumed.err;
  EXPECT_EQ(io::read_json((dir / "report.json").string())["suite"].size(), 2u);
  EXPECT_TRUE(leftovers(dir).empty()) << leftovers(dir)[0];
}

}  // namespace
}  // namespace advlab
