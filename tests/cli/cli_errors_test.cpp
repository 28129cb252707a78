// Bad input gets one clear line on stderr naming the problem and a non-zero exit code:
// never a crash, a stack dump or a silent success.
#include "support/cli_runner.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/script.h>

#include <fstream>

namespace advlab {
namespace {

using testing::run_cli;

void expect_clean_error(const testing::CliOutput& r, const std::string& mentions) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.exit_code, 128) << "killed by a signal: " << r.err;
  EXPECT_NE(r.err.find(mentions), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(r.err.find("frame #"), std::string::npos) << "stack dump: " << r.err;
  EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
  // One line (a progress line may precede it only in runs that got as far as attacking).
  EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

std::string model_path() { return testing::fashion_cnn().path; }

TEST(CliErrors, UnknownFlag) {
  expect_clean_error(run_cli("attack --model m.pt --attack pgd --out x --no-such-flag"), "no-such-flag");
}

TEST(CliErrors, UnknownAttack) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto out = testing::make_temp_dir("o");
  expect_clean_error(run_cli("attack --model " + model_path() + " --attack nosuch --eps 0.1 --out " + out),
                     "unknown attack 'nosuch'");
}

TEST(CliErrors, NegativeAndNanEps) {
  auto out = testing::make_temp_dir("o");
  expect_clean_error(run_cli("attack --model m.pt --attack pgd --eps -0.1 --out " + out), "eps must be >= 0");
  expect_clean_error(run_cli("attack --model m.pt --attack pgd --eps nan --out " + out), "eps");
}

TEST(CliErrors, MissingModelFile) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto out = testing::make_temp_dir("o");
  expect_clean_error(run_cli("attack --model /nonexistent/model.pt --attack pgd --eps 0.1 --limit 10 --out " + out),
                     "model file not found");
}

TEST(CliErrors, CorruptModelFile) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("corrupt");
  std::ofstream(dir + "/model.pt") << "this is not a zip archive";
  expect_clean_error(run_cli("attack --model " + dir + "/model.pt --attack pgd --eps 0.1 --limit 10 --out " + dir + "/o"),
                     "not a TorchScript archive");
}

TEST(CliErrors, ModelWithWrongOutputShape) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("shape");
  torch::jit::Module m("__torch__.advlab_test.Flat");
  m.define(R"(
def forward(self, x):
    return x.flatten(1).sum(1)
)");
  m.save(dir + "/flat.pt");
  expect_clean_error(run_cli("attack --model " + dir + "/flat.pt --attack pgd --eps 0.1 --limit 10 --out " + dir + "/o"),
                     "model output must be [N, classes]");
}

TEST(CliErrors, MissingAndCorruptDataFiles) {
  auto dir = testing::make_temp_dir("data");
  expect_clean_error(run_cli("attack --model m.pt --attack pgd --eps 0.1 --data idx:/nonexistent/a,/nonexistent/b --out " + dir + "/o"),
                     "/nonexistent/a");
  std::ofstream(dir + "/images") << "garbage garbage garbage";
  std::ofstream(dir + "/labels") << "garbage";
  expect_clean_error(run_cli("attack --model m.pt --attack pgd --eps 0.1 --data idx:" + dir + "/images," + dir +
                             "/labels --out " + dir + "/o"),
                     dir + "/images");
  expect_clean_error(run_cli("attack --model m.pt --attack pgd --eps 0.1 --data nosuchformat:x --out " + dir + "/o"),
                     "nosuchformat");
}

TEST(CliErrors, UnknownAttackOption) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto out = testing::make_temp_dir("o");
  expect_clean_error(run_cli("attack --model " + model_path() + " --attack fgsm --eps 0.1 --steps 5 --out " + out),
                     "fgsm has no option 'steps'");
}

TEST(CliErrors, FailedRunKeepsEarlierOutputs) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto out = testing::make_temp_dir("keep");
  std::ofstream(out + "/metrics.json") << "{\"previous\": true}";
  auto r = run_cli("attack --model /nonexistent.pt --attack pgd --eps 0.1 --limit 5 --out " + out);
  EXPECT_NE(r.exit_code, 0);
  std::ifstream in(out + "/metrics.json");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "{\"previous\": true}");
}

}  // namespace
}  // namespace advlab
