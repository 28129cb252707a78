// Bad input gets one clear line on stderr naming the problem and a non-zero exit code:
// never a crash, a stack dump or a silent success.
#include "support/cli_runner.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/script.h>

#include <cstdlib>
#include <filesystem>
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

// For runs that fail after printing what they started (a training's header line): the
// error is still one line, the last.
void expect_error_after_start(const testing::CliOutput& r, const std::string& mentions) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.exit_code, 128) << "killed by a signal: " << r.err;
  auto last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
  EXPECT_NE(last.find(mentions), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(r.err.find("frame #"), std::string::npos) << "stack dump: " << r.err;
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
  // A family name points at its members.
  expect_clean_error(run_cli("attack --model " + model_path() + " --attack apgd --eps 0.1 --out " + out),
                     "did you mean apgd-ce, apgd-dlr, apgd-t?");
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

// Outputs that are not one tensor of logits: named as such, not as a failed forward.
TEST(CliErrors, ModelWithATupleOrIntegerOutput) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("outputs");
  torch::jit::Module pair("__torch__.advlab_test.Pair");
  pair.define(R"(
def forward(self, x):
    y = x.flatten(1)[:, :10]
    return y, y.softmax(1)
)");
  pair.save(dir + "/pair.pt");
  expect_clean_error(run_cli("attack --model " + dir + "/pair.pt --attack pgd --eps 0.1 --limit 10 --out " + dir + "/o"),
                     "model output must be one [N, classes] tensor of logits, got a Tuple");
  torch::jit::Module index("__torch__.advlab_test.Index");
  index.define(R"(
def forward(self, x):
    return x.flatten(1)[:, :10].argsort(1)
)");
  index.save(dir + "/index.pt");
  expect_clean_error(run_cli("attack --model " + dir + "/index.pt --attack square --eps 0.1 --limit 10 --out " + dir + "/o"),
                     "model output must be floating-point logits, got Long");
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

// --- Wrong answers that must become errors (issue 16) ---

TEST(CliErrors, EmptyOrRootOutIsRefusedBeforeAnyWork) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  const std::string model = " --model " + model_path() + " --limit 5";
  expect_clean_error(run_cli("attack --attack fgsm --eps 0.1" + model + " --out ''"), "--out");
  expect_clean_error(run_cli("attack --attack fgsm --eps 0.1" + model + " --out /"), "root");
  expect_clean_error(run_cli("eval --suite fgsm --eps 0.1" + model + " --out /"), "root");
  expect_clean_error(run_cli("quickstart --eps 0.1" + model + " --out /"), "root");
  expect_clean_error(run_cli("gan train --limit 8 --epochs 1 --out /"), "root");
  EXPECT_FALSE(std::filesystem::exists("/metrics.json"));
  EXPECT_FALSE(std::filesystem::exists("/fgsm-eps0.1"));
}

TEST(CliErrors, OutOfTheWrongKindIsRefusedBeforeTraining) {
  testing::ScratchDir dir;
  testing::write_bytes(dir.file("file"), "keep me");
  // A folder where a model file should go: found before a whole training has run.
  auto train = run_cli("train --data fashion-mnist:test --limit 64 --epochs 1 --out " + dir.path().string());
  expect_clean_error(train, "is a folder");
  EXPECT_EQ(train.err.find("training"), std::string::npos) << train.err;
  expect_clean_error(run_cli("gan train --limit 8 --epochs 1 --out " + dir.file("file")), "not a folder");
  expect_clean_error(run_cli("advgan train --model m.pt --eps 0.1 --out " + dir.file("file")), "not a folder");
  expect_clean_error(run_cli("attack --model m.pt --attack fgsm --eps 0.1 --out " + dir.file("file")),
                     "not a folder");
  expect_clean_error(run_cli("gan sample --generator g.pt --out " + dir.file("file/grid.png")), "not a folder");
  EXPECT_EQ(testing::read_bytes(dir.file("file")), "keep me");
  // A folder of other things is never replaced by a result.
  expect_clean_error(run_cli("attack --model m.pt --attack fgsm --eps 0.1 --out " + dir.path().string()),
                     "not an earlier result");
}

TEST(CliErrors, EmptyAndUnparsableNumbersAreRefused) {
  auto out = testing::make_temp_dir("o");
  expect_clean_error(run_cli("attack --model m.pt --attack pgd --eps '' --out " + out), "--eps: empty value");
  expect_clean_error(run_cli("attack --model m.pt --attack pgd --eps 0.1 --steps '' --out " + out), "--steps");
  expect_clean_error(run_cli("eval --model m.pt --eps '' --out " + out), "--eps");
  expect_clean_error(run_cli("eval --model m.pt --eps 0.1,,0.2 --out " + out), "empty item");
  expect_clean_error(run_cli("eval --model m.pt --eps 0.1, --out " + out), "empty item");
  expect_clean_error(run_cli("eval --model m.pt --eps 0.1,abc --out " + out), "'abc'");
  expect_clean_error(run_cli("quickstart --model m.pt --eps '' --out " + out), "--eps");
  expect_clean_error(run_cli("attack --model m.pt --attack pgd --eps 0.1 --mean 0.5, --std 0.2 --out " + out),
                     "--mean");
}

TEST(CliErrors, NonFiniteMeanAndStdAreRefused) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto out = testing::make_temp_dir("o");
  const std::string attack = "attack --model " + model_path() + " --attack fgsm --eps 0.1 --limit 5 --out " + out;
  expect_clean_error(run_cli(attack + " --mean nan --std 0.3"), "mean must be finite");
  expect_clean_error(run_cli(attack + " --mean inf --std 0.3"), "mean must be finite");
  expect_clean_error(run_cli(attack + " --mean 0.5 --std inf"), "std must be finite");
}

TEST(CliErrors, ModelWithNonFiniteOutputsIsNoResult) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("nan");
  torch::jit::Module m("__torch__.advlab_test.NanLogits");
  m.define(R"(
def forward(self, x):
    return x.flatten(1)[:, :10] * float('nan')
)");
  m.save(dir + "/nan.pt");
  const std::string model = " --model " + dir + "/nan.pt --limit 10";
  expect_clean_error(run_cli("attack --attack fgsm --eps 0.1" + model + " --out " + dir + "/a"), "NaN or inf");
  expect_clean_error(run_cli("eval --suite fgsm --eps 0.1" + model + " --out " + dir + "/e"), "NaN or inf");
  expect_clean_error(run_cli("advgan train --eps 0.1 --epochs 1" + model + " --out " + dir + "/g"), "NaN or inf");
  // Refused before the first epoch (it used to fail in the first epoch's FID).
  auto gan = run_cli("gan train --limit 64 --epochs 1 --diagnostic-samples 64 --judge " + dir + "/nan.pt --out " +
                     dir + "/gan");
  expect_error_after_start(gan, "judge outputs NaN or inf");
  EXPECT_EQ(gan.err.find("epoch"), std::string::npos) << gan.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/a"));
}

TEST(CliErrors, DivergingTrainingStopsWithoutSavingAModel) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("diverge");
  auto r = run_cli("train --data fashion-mnist:test --limit 256 --batch-size 32 --epochs 1 --lr 1e10 --out " + dir +
                   "/m.pt");
  expect_error_after_start(r, "training diverged");
  EXPECT_FALSE(std::filesystem::exists(dir + "/m.pt"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/m.pt.ckpt"));
}

TEST(CliErrors, OutOfRangeCountsAreRefused) {
  auto dir = testing::make_temp_dir("range");
  const std::string gan = "gan train --arch wgan-gp --limit 8 --epochs 1 --out " + dir;
  expect_clean_error(run_cli(gan + " --n-critic 0"), "n_critic must be >= 1");
  expect_clean_error(run_cli(gan + " --lr-g 0"), "learning rate must be > 0");
  expect_clean_error(run_cli("--threads=-2 list-attacks"), "--threads must be >= 1");
  {
    const char* was = std::getenv("ADVLAB_THREADS");
    const std::string saved = was ? was : "";
    ::setenv("ADVLAB_THREADS", "-2", 1);
    auto r = run_cli("list-attacks");
    was ? ::setenv("ADVLAB_THREADS", saved.c_str(), 1) : ::unsetenv("ADVLAB_THREADS");
    expect_clean_error(r, "ADVLAB_THREADS must be a whole number >= 1");
  }
  expect_clean_error(run_cli("eval --model m.pt --batch-size 0 --out " + dir + "/e"), "--batch-size must be >= 1");
  expect_clean_error(run_cli("train --device gpu9 --out " + dir + "/t.pt"), "invalid --device 'gpu9'");
  if (!torch::cuda::is_available())
    expect_clean_error(run_cli("train --device cuda --out " + dir + "/t.pt"), "CUDA is not available");
  EXPECT_FALSE(std::filesystem::exists(dir + "/generator.pt"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/t.pt"));
}

TEST(CliErrors, ResumeOnOtherDataIsRefused) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("resume");
  const std::string train = "train --data fashion-mnist:test --batch-size 32 --out " + dir + "/m.pt";
  auto first = run_cli(train + " --limit 64 --epochs 1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  expect_error_after_start(run_cli(train + " --limit 96 --epochs 2 --resume"), "other data");
  expect_error_after_start(
      run_cli("train --data fashion-mnist:train --batch-size 32 --limit 64 --epochs 2 --resume --out " + dir + "/m.pt"),
      "other data");
  auto same = run_cli(train + " --limit 64 --epochs 2 --resume");
  EXPECT_EQ(same.exit_code, 0) << same.err;
}

TEST(CliErrors, LabelOutsideTheModelsClassesIsNamed) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("labels");
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  testing::write_bytes(dir + "/images", be32(0x803) + be32(4) + be32(28) + be32(28) + std::string(4 * 28 * 28, '\x40'));
  testing::write_bytes(dir + "/labels", be32(0x801) + be32(4) + std::string("\x01\x02\x63\x03", 4));
  const std::string run = " --model " + model_path() + " --data idx:" + dir + "/images," + dir + "/labels";
  expect_clean_error(run_cli("attack --attack fgsm --eps 0.1" + run + " --out " + dir + "/a"), "label 99 (sample 2");
  expect_clean_error(run_cli("eval --suite fgsm --eps 0.1" + run + " --out " + dir + "/e"), "label 99");
}

TEST(CliErrors, DamagedModelArchiveNamesTheRecord) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("crc");
  auto bytes = testing::read_bytes(model_path());
  ASSERT_GT(bytes.size(), 8000u);
  bytes.replace(bytes.size() / 2 - 1000, 2000, std::string(2000, '\0'));
  testing::write_bytes(dir + "/model.pt", bytes);
  auto r = run_cli("attack --model " + dir + "/model.pt --attack fgsm --eps 0.1 --limit 5 --out " + dir + "/o");
  expect_clean_error(r, "fails its CRC-32 check");
  EXPECT_NE(r.err.find(dir + "/model.pt: damaged archive: record '"), std::string::npos) << r.err;
}

TEST(CliErrors, AdversarialTrainingWithL0IsRefusedUpFront) {
  auto dir = testing::make_temp_dir("l0");
  expect_clean_error(run_cli("train --adversarial pgd --eps 0.1 --norm l0 --out " + dir + "/m.pt"), "norm l0");
}

// --- Clear messages for the real cause (issue 16) ---

TEST(CliErrors, UnknownSubcommandNamesTheNearestOne) {
  expect_clean_error(run_cli("atack --model m.pt"), "unknown subcommand 'atack' (did you mean 'attack'?)");
  expect_clean_error(run_cli("--threads 2 evl"), "unknown subcommand 'evl' (did you mean 'eval'?)");
  expect_clean_error(run_cli("gan trian --out x"), "unknown subcommand 'trian' of 'gan' (did you mean 'train'?)");
}

TEST(CliErrors, ErrorInsideTheModelPrintsItsCause) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("cause");
  torch::jit::Module rgb("__torch__.advlab_test.Rgb");
  rgb.define(R"(
def forward(self, x):
    assert x.size(1) == 3, "expects 3 colour channels"
    return x.flatten(1)[:, :10]
)");
  rgb.save(dir + "/rgb.pt");
  auto r = run_cli("attack --model " + dir + "/rgb.pt --attack fgsm --eps 0.1 --limit 5 --out " + dir + "/o");
  expect_clean_error(r, "expects 3 colour channels");
  EXPECT_NE(r.err.find("float32 images of shape [1, 28, 28] in [0, 1]"), std::string::npos) << r.err;  // what advlab gave it
  EXPECT_EQ(r.err.find("The following operation failed"), std::string::npos) << r.err;
  // A --mean for 3 channels on grey images is named before the model fails on it.
  expect_clean_error(run_cli("attack --model " + model_path() + " --attack fgsm --eps 0.1 --limit 5 --mean 0.1,0.2,0.3 "
                             "--std 1,1,1 --out " + dir + "/o"),
                     "--mean has 3 values but the images have 1 channels");
}

TEST(CliErrors, DetachedModelAsksForABlackBoxAttack) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("detached");
  torch::jit::Module m("__torch__.advlab_test.Detached");
  m.define(R"(
def forward(self, x):
    # Always class 1, which some of the first test images are: those get attacked.
    return x.detach().flatten(1)[:, :10] * 0.0 + torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
)");
  m.save(dir + "/detached.pt");
  expect_clean_error(run_cli("attack --model " + dir + "/detached.pt --attack pgd --eps 0.1 --steps 2 --limit 5 --out " +
                             dir + "/o"),
                     "white-box attacks need a differentiable model");
}

}  // namespace
}  // namespace advlab
