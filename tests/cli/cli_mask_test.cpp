// advlab attack --mask: the mask reaches a mask attack's options, the saved adversarials
// differ from the originals only inside it, and attacks without a mask option say so.
#include "advlab/io/tensor_file.h"
#include "advlab/threat/mask.h"
#include "support/cli_runner.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

namespace advlab {
namespace {

TEST(CliMask, JsmaRunChangesOnlyPixelsInsideTheMask) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto out = testing::make_temp_dir("mask") + "/jsma";
  const std::string spec = "rect:0.25,0.25,0.5,0.5";
  auto r = testing::run_cli("attack --model " + testing::fashion_cnn().path +
                            " --limit 12 --attack jsma --set gamma=0.05 --mask " + spec + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, torch::Tensor> saved;
  for (auto& [name, t] : io::load_tensors(out + "/adversarials.pt")) saved[name] = t;
  ASSERT_TRUE(saved.count("perturbations"));
  auto perturbation = saved["perturbations"];
  auto mask = make_mask(spec, 28, 28);
  auto outside = (mask <= 0.5).expand_as(perturbation);
  for (int64_t i = 0; i < perturbation.size(0); ++i)
    EXPECT_EQ(perturbation[i].masked_select(outside[i]).abs().max().item<double>(), 0.0) << "image " << i;
  EXPECT_GT(perturbation.abs().sum().item<double>(), 0.0) << "the attack changed nothing at all";
}

TEST(CliMask, AttackWithoutAMaskOptionIsAClearError) {
  auto out = testing::make_temp_dir("mask") + "/pgd";
  auto r = testing::run_cli("attack --model unused.pt --attack pgd --eps 0.1 --mask full --out " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("does not take a mask"), std::string::npos) << r.err;
}

TEST(CliMask, BadMaskSpecIsAClearError) {
  auto out = testing::make_temp_dir("mask") + "/bad";
  auto r = testing::run_cli("attack --model unused.pt --attack sparsefool --mask rect:0,0,2,2 --out " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("rect:0,0,2,2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace advlab
