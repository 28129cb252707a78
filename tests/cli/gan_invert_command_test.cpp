// advlab gan invert trains an inverter for a generator file, and advlab attack --attack
// natural runs with both files and reports the latent distance.
#include "advlab/attacks/generative/latent_modules.h"
#include "advlab/io/json_file.h"
#include "support/cli_runner.h"
#include "support/pca_generator.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace advlab {
namespace {

TEST(CliGanInvert, TrainsAnInverterThatTheNaturalAttackUses) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  const auto& pca = testing::fashion_pca();
  auto dir = testing::make_temp_dir("gan-invert");
  auto inverter = dir + "/inverter.pt";
  auto r = testing::run_cli("gan invert --generator " + pca.generator_path +
                            " --data fashion-mnist:train --limit 400 --epochs 1 --seed 2 --out " + inverter);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("reconstruction error"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("img/s"), std::string::npos) << r.err;  // the progress line
  EXPECT_TRUE(std::filesystem::exists(inverter + ".ckpt"));
  auto loaded = gan::load_latent_inverter(inverter);
  EXPECT_EQ(loaded.latent_dim, pca.latent_dim);

  auto out = dir + "/attack";
  r = testing::run_cli("attack --model " + testing::fashion_cnn().path + " --attack natural --generator " +
                       pca.generator_path + " --inverter " + pca.inverter_path +
                       " --limit 12 --queries 800 --set samples=40 --set dr=0.3 --seed 1 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = io::read_json(out + "/metrics.json");
  EXPECT_EQ(m["params"]["generator"], pca.generator_path);
  EXPECT_GT(m["success_rate"].get<double>(), 0.5);
  ASSERT_TRUE(m.contains("extras")) << m.dump();
  EXPECT_GT(m["extras"]["latent_distance"]["mean"].get<double>(), 0.0);
}

TEST(CliGanInvert, BadInputIsOneLineError) {
  auto r = testing::run_cli("gan invert --generator /no/such/g.pt --out /tmp/never.pt");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/no/such/g.pt"), std::string::npos) << r.err;
  if (!testing::fashion_mnist_available()) return;
  r = testing::run_cli("attack --model " + testing::fashion_cnn().path + " --attack natural --limit 2 --out " +
                      testing::make_temp_dir("gan-invert-bad"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("generator"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace advlab
