// End to end through the command line: list-attacks, and an attack run whose report
// folder has the promised files and fields, with numbers that agree with the saved
// adversarials.
#include "advlab/attacks/registry.h"
#include "advlab/io/json_file.h"
#include "advlab/io/tensor_file.h"
#include "support/cli_runner.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

namespace advlab {
namespace {

TEST(CliAttack, ListAttacksShowsTheRegistry) {
  auto r = testing::run_cli("list-attacks");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pgd"), std::string::npos);
  EXPECT_NE(r.out.find("fgsm"), std::string::npos);
  EXPECT_NE(r.out.find("white-box"), std::string::npos);
  // Every registered attack has a row with its family and targeted support.
  for (const auto& spec : attack_registry()) {
    auto line_start = r.out.find("\n" + spec.name + " ");
    ASSERT_NE(line_start, std::string::npos) << spec.name;
    auto line = r.out.substr(line_start + 1, r.out.find('\n', line_start + 1) - line_start - 1);
    EXPECT_NE(line.find(spec.family), std::string::npos) << line;
    EXPECT_NE(line.find(spec.norms.front()), std::string::npos) << line;
  }
}

TEST(CliAttack, PgdRunWritesMetricsTensorsGridAndReport) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto out = testing::make_temp_dir("attack") + "/pgd";
  auto r = testing::run_cli("attack --model " + testing::fashion_cnn().path +
                            " --data fashion-mnist:test --limit 40 --attack pgd --norm linf --eps 0.1 --steps 20"
                            " --step-size 0.01 --seed 3 --batch-size 16 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"metrics.json", "adversarials.pt", "grid.png", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;

  auto m = io::read_json(out + "/metrics.json");
  for (const char* key : {"attack", "params", "n", "clean_accuracy", "robust_accuracy", "success_rate",
                          "distance", "seconds", "images_per_second", "seed"})
    EXPECT_TRUE(m.contains(key)) << key;
  EXPECT_EQ(m["n"], 40);
  EXPECT_EQ(m["seed"], 3);
  EXPECT_EQ(m["params"]["steps"], 20);
  for (const char* norm : {"linf", "l2", "l1", "l0"}) EXPECT_TRUE(m["distance"][norm].contains("median"));
  EXPECT_LE(m["distance"]["linf"]["mean"].get<double>(), 0.1 + 1e-5);

  // The reported robust accuracy is the accuracy on the saved adversarials.
  std::map<std::string, torch::Tensor> saved;
  for (auto& [name, t] : io::load_tensors(out + "/adversarials.pt")) saved[name] = t;
  auto predictions = testing::fashion_cnn().model->predict(saved["adversarials"]);
  double robust = (predictions == saved["labels"]).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(m["robust_accuracy"].get<double>(), robust, 1e-9);
  EXPECT_LE(saved["perturbations"].abs().max().item<double>(), 0.1 + 1e-5);
}

TEST(CliAttack, TargetedLeastLikelyRunHitsItsTargets) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto out = testing::make_temp_dir("targeted");
  auto r = testing::run_cli("attack --model " + testing::fashion_cnn().path +
                            " --limit 20 --attack pgd --eps 0.3 --steps 40 --targeted --target least-likely --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, torch::Tensor> saved;
  for (auto& [name, t] : io::load_tensors(out + "/adversarials.pt")) saved[name] = t;
  ASSERT_TRUE(saved.count("targets"));
  auto hit = saved["adversarial_predictions"] == saved["targets"];
  EXPECT_TRUE(torch::equal(hit, saved["success"]));
  EXPECT_GT(saved["success"].to(torch::kDouble).mean().item<double>(), 0.5);
}

}  // namespace
}  // namespace advlab

namespace advlab {
namespace {

// The README's --steps is the iteration count of every iterative attack, whatever name
// the attack used first (APGD's n_iter, FAB's n_iter, SparseFool's max_iter).
TEST(CliAttack, StepsFlagWorksForAttacksWithOlderIterationNames) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  const std::vector<std::pair<std::string, std::string>> attacks = {
      {"apgd-ce", "n_iter"}, {"apgd-dlr", "n_iter"}, {"apgd-t", "n_iter"}, {"fab", "n_iter"}, {"sparsefool", "max_iter"}};
  for (const auto& [attack, own_name] : attacks) {
    auto out = testing::make_temp_dir("steps") + "/" + attack;
    auto norm = attack == "sparsefool" ? "l1" : "linf";
    auto r = testing::run_cli("attack --model " + testing::fashion_cnn().path +
                              " --data fashion-mnist:test --limit 4 --attack " + attack + " --norm " + norm +
                              " --eps 0.1 --steps 3 --out " + out);
    ASSERT_EQ(r.exit_code, 0) << attack << ": " << r.err;
    // Reports name the option `steps` whatever the attack's older name (`own_name`) was.
    EXPECT_EQ(io::read_json(out + "/metrics.json")["params"]["steps"], 3) << attack << " (once " << own_name << ")";
  }
  auto both = testing::run_cli("attack --model " + testing::fashion_cnn().path +
                               " --data fashion-mnist:test --limit 4 --attack apgd-ce --eps 0.1 --steps 3"
                               " --set n_iter=5 --out " + testing::make_temp_dir("steps") + "/both");
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.err.find("give steps or n_iter, not both"), std::string::npos) << both.err;
}

}  // namespace
}  // namespace advlab
