// GAN training on a small Fashion-MNIST subset: finite losses, outputs and diagnostics
// written, resume bitwise equal to an uninterrupted run, bad options rejected.
#include "advlab/data/load.h"
#include "advlab/gan/gan_trainer.h"
#include "advlab/gan/generator_file.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace {

namespace data = advlab::data;
using namespace advlab::gan;
namespace fs = std::filesystem;

const data::Dataset& gan_test_data() {
  static const data::Dataset d = data::load_dataset("fashion-mnist:test").slice(500, 128);
  return d;
}

// Tiny networks, few steps: seconds per run.
GanTrainOptions tiny_options(const std::string& arch, const std::string& out) {
  GanTrainOptions o;
  o.arch = arch;
  o.epochs = 1;
  o.batch_size = 32;
  o.latent_dim = 16;
  o.generator_width = 32;
  o.discriminator_width = 16;
  o.n_critic = arch == "wgan-gp" ? std::optional<int64_t>(2) : std::nullopt;
  o.seed = 11;
  o.out_dir = out;
  o.diagnostic_samples = 100;
  o.grid_samples = 16;
  return o;
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

class GanTrainer : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!advlab::testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  }
};

TEST_P(GanTrainer, WritesOutputsAndDiagnosticsWithFiniteLosses) {
  advlab::testing::ScratchDir dir;
  auto o = tiny_options(GetParam(), dir.path().string());
  o.epochs = 2;
  o.judge = std::make_shared<Judge>(Judge::load(advlab::testing::fashion_cnn().path, {1, 28, 28}));
  auto summary = train_gan(gan_test_data(), o);
  EXPECT_EQ(summary.epochs_completed, 2);
  for (const char* f : {"generator.pt", "discriminator.pt", "checkpoint.pt", "diagnostics.jsonl",
                        "samples/epoch-001.png", "samples/epoch-002.png"})
    EXPECT_TRUE(fs::exists(dir.file(f))) << f;

  auto lines = read_jsonl(dir.file("diagnostics.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    EXPECT_EQ(l["epoch"], i + 1);
    for (const char* key : {"d_loss", "g_loss", "d_grad_norm", "g_grad_norm", "fid"})
      EXPECT_TRUE(l[key].is_number() && std::isfinite(l[key].get<double>())) << key << ": " << l.dump();
    EXPECT_GT(l["g_grad_norm"].get<double>(), 0);
    EXPECT_GT(l["d_grad_norm"].get<double>(), 0);
    EXPECT_GT(l["g_steps"].get<int64_t>(), 0);
    // "penultimate", or "penultimate (rebuilt as small-cnn)" for a model cached before
    // the built-in architectures had features().
    EXPECT_EQ(l["fid_features"].get<std::string>().rfind("penultimate", 0), 0u) << l["fid_features"];
    const auto& cov = l["mode_coverage"];
    EXPECT_EQ(cov["classes"], 10);
    EXPECT_EQ(cov["samples"], 100);
    int64_t total = 0;
    for (const auto& n : cov["histogram"]) total += n.get<int64_t>();
    EXPECT_EQ(total, 100);
    EXPECT_TRUE(l["mode_collapse"].is_boolean());
    // A few dozen steps cannot fit the data: FID is far above 0.
    EXPECT_GT(l["fid"].get<double>(), 1.0);
    if (GetParam() == "wgan-gp") {
      EXPECT_TRUE(std::isfinite(l["wasserstein_estimate"].get<double>()));
      EXPECT_GE(l["gradient_penalty"].get<double>(), 0);
    } else {
      EXPECT_GT(l["d_real_probability"].get<double>(), 0);
    }
  }
  auto g = load_generator(summary.generator_path);
  EXPECT_EQ(g.latent_dim, 16);
  auto x = generate(g, torch::randn({4, 16}));
  EXPECT_GE(x.min().item<float>(), 0.0f);
  EXPECT_LE(x.max().item<float>(), 1.0f);
}

std::map<std::string, torch::Tensor> module_state(const std::string& path) {
  auto m = torch::jit::load(path);
  std::map<std::string, torch::Tensor> state;
  for (const auto& p : m.named_parameters()) state.emplace(p.name, p.value);
  for (const auto& b : m.named_buffers()) state.emplace(b.name, b.value);
  return state;
}

void expect_bitwise_equal(const std::string& a, const std::string& b) {
  auto sa = module_state(a), sb = module_state(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (const auto& [name, t] : sa) EXPECT_TRUE(torch::equal(t, sb.at(name))) << a << ": " << name;
}

TEST_P(GanTrainer, ResumeGivesBitwiseTheSameResultAsAnUninterruptedRun) {
  advlab::testing::ScratchDir straight, resumed;
  auto o = tiny_options(GetParam(), straight.path().string());
  o.epochs = 2;
  train_gan(gan_test_data(), o);

  auto r = tiny_options(GetParam(), resumed.path().string());
  r.epochs = 1;
  train_gan(gan_test_data(), r);
  r.epochs = 2;
  r.resume = true;
  auto summary = train_gan(gan_test_data(), r);
  EXPECT_EQ(summary.epochs_completed, 2);
  expect_bitwise_equal(straight.file("generator.pt"), resumed.file("generator.pt"));
  expect_bitwise_equal(straight.file("discriminator.pt"), resumed.file("discriminator.pt"));
  auto a = read_jsonl(straight.file("diagnostics.jsonl")), b = read_jsonl(resumed.file("diagnostics.jsonl"));
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  for (size_t i = 0; i < 2; ++i)
    for (const char* key : {"d_loss", "g_loss", "g_grad_norm"}) EXPECT_EQ(a[i][key], b[i][key]) << key;

  // Resuming with another seed would silently break reproducibility: refused.
  r.seed = 12;
  r.epochs = 3;
  auto msg = advlab::testing::error_message([&] { train_gan(gan_test_data(), r); });
  EXPECT_NE(msg.find("seed"), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(Arch, GanTrainer, ::testing::Values("dcgan", "wgan-gp"),
                         [](const auto& info) { return info.param == "dcgan" ? "Dcgan" : "WganGp"; });

TEST(GanTrainerOptions, RejectsBadValuesByName) {
  GanTrainOptions o;
  o.out_dir = "unused";
  auto bad = [&](auto change, const std::string& expected) {
    auto copy = o;
    change(copy);
    auto msg = advlab::testing::error_message([&] { resolve_gan_options(copy); });
    EXPECT_NE(msg.find(expected), std::string::npos) << msg;
  };
  bad([](GanTrainOptions& c) { c.arch = "vae"; }, "unknown arch 'vae'");
  bad([](GanTrainOptions& c) { c.epochs = 0; }, "epochs must be >= 1, got 0");
  bad([](GanTrainOptions& c) { c.batch_size = 1; }, "batch size");
  bad([](GanTrainOptions& c) { c.beta1 = 1.0; }, "beta1");
  bad([](GanTrainOptions& c) { c.n_critic = 3; }, "n_critic applies to wgan-gp");
  bad([](GanTrainOptions& c) { c.out_dir = ""; }, "output directory");
  auto w = o;
  w.arch = "wgan-gp";
  auto r = resolve_gan_options(w);
  EXPECT_EQ(*r.n_critic, 5);
  EXPECT_EQ(*r.beta1, 0.0);
  EXPECT_EQ(*r.beta2, 0.9);
  EXPECT_EQ(*r.lr_generator, 1e-4);
  auto d = resolve_gan_options(o);
  EXPECT_EQ(*d.beta1, 0.5);
  EXPECT_EQ(*d.lr_discriminator, 2e-4);
}

}  // namespace
