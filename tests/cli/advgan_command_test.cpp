// advlab advgan train end to end: it writes the generator, checkpoint and training.json,
// and advlab attack --attack advgan runs the generator it wrote; bad flags are one-line errors.
#include "advlab/io/json_file.h"
#include "advlab/io/tensor_file.h"
#include "support/cli_runner.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace advlab {
namespace {

TEST(CliAdvGan, TrainWritesGeneratorThatAttackUses) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  testing::ScratchDir dir;
  auto model = testing::fashion_cnn().path;
  auto out = dir.file("advgan");
  auto r = testing::run_cli("advgan train --model " + model + " --data fashion-mnist:train --limit 128 --eps 0.1"
                            " --epochs 1 --batch-size 64 --blackbox --distill-epochs 1 --seed 2 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"generator.pt", "checkpoint.pt", "training.json"})
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  auto j = io::read_json(out + "/training.json");
  ASSERT_EQ(j["epochs"].size(), 1u);
  for (const char* key : {"adv_loss", "gan_loss", "hinge_loss", "d_loss", "success", "queries"})
    EXPECT_TRUE(j["epochs"][0].contains(key)) << key;
  EXPECT_EQ(j["queries"].get<int64_t>(), 1 + 128 + 128);
  EXPECT_TRUE(j["options"]["blackbox"].get<bool>());
  EXPECT_NE(r.out.find("oracle queries: 257"), std::string::npos) << r.out;

  auto attack_out = dir.file("attack");
  auto a = testing::run_cli("attack --model " + model + " --data fashion-mnist:test --limit 32 --attack advgan"
                            " --generator " + out + "/generator.pt --eps 0.1 --out " + attack_out);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto m = io::read_json(attack_out + "/metrics.json");
  EXPECT_EQ(m["attack"], "advgan");
  EXPECT_EQ(m["n"], 32);
  std::map<std::string, torch::Tensor> saved;
  for (auto& [name, t] : io::load_tensors(attack_out + "/adversarials.pt")) saved[name] = t;
  EXPECT_LE(saved["perturbations"].abs().max().item<double>(), 0.1 + 1e-5);
}

TEST(CliAdvGan, BadInputIsAOneLineError) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  testing::ScratchDir dir;
  auto model = testing::fashion_cnn().path;
  auto base = "advgan train --model " + model + " --limit 16 --out " + dir.file("o");
  for (const char* flags : {" --eps 0", " --eps 0.1 --norm l1", " --eps 0.1 --target 12"}) {
    auto r = testing::run_cli(base + flags);
    EXPECT_EQ(r.exit_code, 2) << flags;
    EXPECT_NE(r.err.find("advgan"), std::string::npos) << r.err;
  }
  auto r = testing::run_cli("attack --model " + model + " --data fashion-mnist:test --limit 4 --attack advgan --eps 0.1 --out " +
                            dir.file("a"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("generator"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace advlab
