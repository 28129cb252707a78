// advlab gan train / gan sample from the command line: outputs written, bad input gives
// one line and exit status 2.
#include "advlab/gan/dcgan_networks.h"
#include "advlab/models/module_file.h"
#include "support/cli_runner.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace {

namespace data = advlab::data;
namespace models = advlab::models;
using advlab::testing::run_cli;
namespace fs = std::filesystem;

void expect_one_line_error(const std::string& args, const std::string& expected) {
  auto out = run_cli(args);
  EXPECT_EQ(out.exit_code, 2) << args << "\n" << out.err;
  EXPECT_EQ(out.err.rfind("advlab: error: ", 0), 0u) << args << ": " << out.err;
  EXPECT_EQ(out.err.find('\n'), out.err.size() - 1) << args << ": " << out.err;
  EXPECT_NE(out.err.find(expected), std::string::npos) << args << ": " << out.err;
}

TEST(GanCommand, SampleWritesAPng) {
  advlab::testing::ScratchDir dir;
  models::save_module_atomic(advlab::gan::make_dcgan_generator({}), dir.file("g.pt"));
  auto out = run_cli("gan sample --generator " + dir.file("g.pt") + " --n 10 --seed 3 --out " +
                     dir.file("grid.png"));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto bytes = advlab::testing::read_bytes(dir.file("grid.png"));
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
}

TEST(GanCommand, TrainWritesGeneratorCheckpointAndDiagnostics) {
  if (!advlab::testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  advlab::testing::ScratchDir dir;
  auto out = run_cli("gan train --data fashion-mnist:test --limit 96 --epochs 1 --batch-size 32 "
                     "--latent-dim 8 --diagnostic-samples 100 --judge " + advlab::testing::fashion_cnn().path +
                     " --out " + dir.file("run"));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  for (const char* f : {"generator.pt", "discriminator.pt", "checkpoint.pt", "diagnostics.jsonl",
                        "samples/epoch-001.png"})
    EXPECT_TRUE(fs::exists(dir.file(std::string("run/") + f))) << f;
  EXPECT_NE(out.out.find("fid: "), std::string::npos) << out.out;
  EXPECT_NE(out.err.find("img/s"), std::string::npos) << out.err;  // progress line
  // The generator it wrote samples.
  auto sample = run_cli("gan sample --generator " + dir.file("run/generator.pt") + " --out " +
                        dir.file("s.png"));
  EXPECT_EQ(sample.exit_code, 0) << sample.err;
}

TEST(GanCommand, BadInputGivesOneLineErrors) {
  advlab::testing::ScratchDir dir;
  expect_one_line_error("gan sample --generator " + dir.file("missing.pt") + " --out " + dir.file("x.png"),
                        "generator file not found");
  expect_one_line_error("gan train --arch vae --out " + dir.file("o"), "unknown arch 'vae'");
  expect_one_line_error("gan train --epochs 0 --out " + dir.file("o"), "epochs must be >= 1, got 0");
  expect_one_line_error("gan train --judge " + dir.file("nojudge.pt") + " --out " + dir.file("o"),
                        "judge model not found");
  expect_one_line_error("gan sample --generator " + dir.file("missing.pt") + " --n 0", "--n must be");
}

}  // namespace
