// The natural adversarial attack: a known answer in a 2-d latent space with a linear
// classifier, the shell structure of the iterative search, success on the trained
// Fashion-MNIST CNN with the PCA generator (every adversarial a generated image at the
// reported latent distance), budgets, determinism, and bad input.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/gan/inverter.h"
#include "advlab/models/module_file.h"
#include "support/linear_model.h"
#include "support/pca_generator.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace advlab {
namespace {

// G(z) = 0.5 + 0.05 [z0, z1, 0, 0] as a [1, 2, 2] image; I(x) its exact inverse.
void save_plane_generator(const std::string& g_path, const std::string& i_path) {
  torch::jit::Module g("__torch__.advlab_test.PlaneGenerator");
  g.register_attribute("latent_dim", c10::IntType::get(), int64_t{2});
  g.register_attribute("output_shape", c10::ListType::ofInts(), c10::List<int64_t>({1, 2, 2}));
  g.register_attribute("architecture", c10::StringType::get(), std::string("plane"));
  g.define(R"(
def forward(self, z):
    x = torch.cat([0.5 + 0.05 * z, torch.full([z.size(0), 2], 0.5)], 1)
    return torch.clamp(x, 0.0, 1.0).view(z.size(0), 1, 2, 2)
)");
  models::save_module_atomic(g, g_path);
  torch::jit::Module inv("__torch__.advlab_test.PlaneInverter");
  inv.register_attribute("latent_dim", c10::IntType::get(), int64_t{2});
  inv.register_attribute("input_shape", c10::ListType::ofInts(), c10::List<int64_t>({1, 2, 2}));
  inv.register_attribute("architecture", c10::StringType::get(), std::string("plane-inverse"));
  inv.define(R"(
def forward(self, x):
    return (x.flatten(1)[:, 0:2] - 0.5) / 0.05
)");
  models::save_module_atomic(inv, i_path);
}

TEST(NaturalAttack, NeverBeatsTheTrueLatentDistanceAndLandsNearIt) {
  testing::ScratchDir dir;
  save_plane_generator(dir.file("g.pt"), dir.file("i.pt"));
  // Class 1 wins where pixel 0 > 0.55, i.e. z0 > 1: from z = (0, 0) the nearest
  // adversarial latent is exactly 1 away (and 0.6 from z = (0.4, 0)).
  auto model = testing::make_linear_classifier(torch::tensor({{0.f, 0.f, 0.f, 0.f}, {1.f, 0.f, 0.f, 0.f}}),
                                               torch::tensor({0.f, -0.55f}));
  auto x = torch::full({2, 1, 2, 2}, 0.5f);
  x[1][0][0][0] = 0.5f + 0.05f * 0.4f;
  const double truth[] = {1.0, 0.6};
  Misclassification criterion(torch::zeros({2}, torch::kLong));
  for (std::string search : {"iterative", "hybrid"}) {
    SCOPED_TRACE(search);
    auto attack = make_attack("natural", {{"generator", dir.file("g.pt")},
                                          {"inverter", dir.file("i.pt")},
                                          {"search", search},
                                          {"samples", "200"},
                                          {"dr", "0.05"},
                                          {"queries", "20000"}});
    auto r = attack->run(*model, x, criterion, 3);
    ASSERT_TRUE(r.extras.count("latent_distance"));
    for (int i = 0; i < 2; ++i) {
      EXPECT_TRUE(r.success[i].item<bool>());
      double d = r.extras["latent_distance"][i].item<double>();
      EXPECT_GE(d, truth[i] - 1e-4);        // nothing nearer is adversarial
      EXPECT_LT(d, truth[i] + 2 * 0.05);    // the shell past the boundary finds it
      // The adversarial is G(z') with |z' - z| = d: its pixel 0 moved by at most 0.05 d.
      double moved = std::abs(r.adversarials[i][0][0][0].item<double>() - x[i][0][0][0].item<double>());
      EXPECT_LE(moved, 0.05 * d + 1e-5);
      EXPECT_GT(r.adversarials[i][0][0][0].item<double>(), 0.55);
    }
  }
}

struct CnnRun {
  torch::Tensor x, labels, attacked;
  AttackResult result;
};

CnnRun run_on_cnn(std::map<std::string, std::string> options, int64_t n, bool targeted = false) {
  const auto& trained = testing::fashion_cnn();
  const auto& pca = testing::fashion_pca();
  options["generator"] = pca.generator_path;
  options["inverter"] = pca.inverter_path;
  CnnRun run;
  run.x = trained.test.images.narrow(0, 0, n);
  run.labels = trained.test.labels.narrow(0, 0, n);
  run.attacked = trained.model->predict(run.x) == run.labels;
  std::shared_ptr<Criterion> criterion = std::make_shared<Misclassification>(run.labels);
  if (targeted) criterion = std::make_shared<TargetedMisclassification>((run.labels + 1) % 10);
  run.result = make_attack("natural", options)->run(*trained.model, run.x, *criterion, 11);
  return run;
}

TEST(NaturalAttack, BreaksMostFashionImagesWithGeneratedImages) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto run = run_on_cnn({{"queries", "2000"}, {"samples", "50"}, {"dr", "0.25"}}, 40);
  const auto& r = run.result;
  auto ok = r.success & run.attacked;
  int64_t attacked = run.attacked.sum().item<int64_t>();
  ASSERT_GT(attacked, 30);
  EXPECT_GE(ok.sum().item<double>() / attacked, 0.8) << ok.sum().item<int64_t>() << "/" << attacked;

  // Reported predictions are the model's, and wrong.
  auto& model = *testing::fashion_cnn().model;
  auto fresh = model.predict(r.adversarials);
  EXPECT_TRUE(torch::equal(fresh, r.predictions));
  EXPECT_TRUE(((fresh != run.labels) | ~r.success).all().item<bool>());

  // Each adversarial is G(z') at the reported latent distance from z = I(x): G is
  // 1-Lipschitz after scaling by its largest singular value, so the image moved at most
  // s_max * d away from G(z).
  const auto& files = testing::fashion_pca();
  auto generator = torch::jit::load(files.generator_path);
  auto inverter = torch::jit::load(files.inverter_path);
  // Rows of the basis diag(s) U^T are orthogonal: its largest singular value is the
  // largest row norm.
  double s_max = generator.attr("basis").toTensor().norm(2, {1}).max().item<double>();
  torch::NoGradGuard no_grad;
  auto z = inverter.forward({run.x}).toTensor();
  auto g_of_z = generator.forward({z}).toTensor();
  auto latent = r.extras.at("latent_distance");
  for (int64_t i = 0; i < run.x.size(0); ++i) {
    if (!run.attacked[i].item<bool>()) {
      EXPECT_TRUE(std::isnan(latent[i].item<double>())) << "sample " << i << " was never attacked";
      continue;
    }
    double d = latent[i].item<double>();
    if (!r.success[i].item<bool>()) {
      EXPECT_TRUE(std::isinf(d));
      continue;
    }
    EXPECT_GT(d, 0);
    EXPECT_LE(d, 10.0);
    double moved = (r.adversarials[i] - g_of_z[i]).norm().item<double>();
    EXPECT_LE(moved, s_max * d * (1 + 1e-4) + 1e-4) << "sample " << i;
    // The reported image distance includes G's reconstruction error.
    EXPECT_NEAR(r.minimum_distance[i].item<double>(), (r.adversarials[i] - run.x[i]).norm().item<double>(), 1e-4);
  }
  EXPECT_LE(r.queries.max().item<int64_t>(), 2000);
  EXPECT_TRUE((r.gradients == 0).all().item<bool>());
}

TEST(NaturalAttack, IterativeSearchStopsAtTheFirstShellWithAnAdversarial) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const int64_t samples = 40;
  const double dr = 0.3;
  auto run = run_on_cnn({{"queries", "5000"}, {"samples", std::to_string(samples)}, {"dr", "0.3"}}, 24);
  const auto& r = run.result;
  const auto latent = r.extras.at("latent_distance");
  int64_t checked = 0;
  for (int64_t i = 0; i < run.x.size(0); ++i) {
    if (!run.attacked[i].item<bool>() || !r.success[i].item<bool>()) continue;
    // One clean check, then `samples` queries per shell: k shells searched, the k-th
    // holding the adversarial kept, so its distance lies in [(k-1) dr, k dr).
    int64_t spent = r.queries[i].item<int64_t>() - 1;
    ASSERT_EQ(spent % samples, 0) << "sample " << i;
    int64_t k = spent / samples;
    double d = latent[i].item<double>();
    EXPECT_GE(d, (k - 1) * dr - 1e-5) << "sample " << i;
    EXPECT_LT(d, k * dr + 1e-5) << "sample " << i;
    ++checked;
  }
  EXPECT_GT(checked, 15);
  // Larger shells were needed for some samples than others: distances spread out.
  auto found = latent.index_select(0, torch::isfinite(latent).nonzero().squeeze(1));
  EXPECT_GT(found.max().item<double>() - found.min().item<double>(), dr);
}

TEST(NaturalAttack, TargetedHitsTheTargetAndSameSeedSameResult) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  std::map<std::string, std::string> options = {{"queries", "1500"}, {"samples", "50"}, {"search", "hybrid"},
                                                {"norm", "linf"}};
  auto a = run_on_cnn(options, 16, true);
  auto b = run_on_cnn(options, 16, true);
  auto targets = (a.labels + 1) % 10;
  EXPECT_TRUE(torch::equal(a.result.success, a.result.predictions == targets));
  EXPECT_GE(a.result.success.sum().item<int64_t>(), 8);
  EXPECT_TRUE(torch::equal(a.result.adversarials, b.result.adversarials));
  EXPECT_TRUE(torch::equal(a.result.queries, b.result.queries));
  auto la = a.result.extras.at("latent_distance"), lb = b.result.extras.at("latent_distance");
  EXPECT_TRUE(torch::allclose(la.nan_to_num(-1, 1e30), lb.nan_to_num(-1, 1e30)));
  EXPECT_LE(a.result.queries.max().item<int64_t>(), 1500);
  // L-inf is the distance reported.
  auto linf = (a.result.adversarials - a.x).abs().flatten(1).amax(1);
  auto ok = a.result.success & a.attacked;
  EXPECT_TRUE(torch::allclose(a.result.minimum_distance.index({ok}), linf.index({ok}), 1e-5, 1e-6));
}

TEST(NaturalAttack, RejectsBadOptionsAndMismatchedFiles) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& pca = testing::fashion_pca();
  std::map<std::string, std::string> ok = {{"generator", pca.generator_path}, {"inverter", pca.inverter_path}};
  auto with = [&](std::string key, std::string value) {
    auto o = ok;
    o[key] = value;
    return o;
  };
  EXPECT_NO_THROW(make_attack("natural", ok));
  auto message = [&](const std::map<std::string, std::string>& o) {
    return testing::error_message([&] { make_attack("natural", o); });
  };
  EXPECT_NE(message({{"inverter", pca.inverter_path}}).find("generator"), std::string::npos);
  EXPECT_NE(message({{"generator", pca.generator_path}}).find("inverter"), std::string::npos);
  EXPECT_NE(message(with("generator", "/no/such/g.pt")).find("/no/such/g.pt"), std::string::npos);
  EXPECT_NE(message(with("inverter", "/no/such/i.pt")).find("/no/such/i.pt"), std::string::npos);
  EXPECT_NE(message(with("samples", "0")).find("samples"), std::string::npos);
  EXPECT_NE(message(with("dr", "0")).find("dr"), std::string::npos);
  EXPECT_NE(message(with("dr", "-1")).find("dr"), std::string::npos);
  EXPECT_NE(message(with("max_radius", "0.01")).find("max_radius"), std::string::npos);
  EXPECT_NE(message(with("search", "grid")).find("grid"), std::string::npos);
  EXPECT_NE(message(with("patience", "0")).find("patience"), std::string::npos);
  EXPECT_NE(message(with("norm", "l1")).find("l1"), std::string::npos);
  EXPECT_NE(message(with("stepz", "3")).find("stepz"), std::string::npos);
  // The model file is not a generator: no latent_dim attribute.
  EXPECT_NE(message(with("generator", testing::fashion_cnn().path)).find("latent_dim"), std::string::npos);

  testing::ScratchDir dir;
  // An inverter for another latent size, and one for other images.
  models::save_module_atomic(gan::make_inverter(16, {1, 28, 28}, 0), dir.file("latent16.pt"));
  models::save_module_atomic(gan::make_inverter(32, {3, 32, 32}, 0), dir.file("rgb.pt"));
  EXPECT_NE(message(with("inverter", dir.file("latent16.pt"))).find("latent_dim 16"), std::string::npos);
  EXPECT_NE(message(with("inverter", dir.file("rgb.pt"))).find("[3, 32, 32]"), std::string::npos);

  // Images of another shape than the generator makes.
  auto attack = make_attack("natural", ok);
  auto model = testing::make_linear_classifier(torch::zeros({10, 3 * 32 * 32}), torch::zeros({10}));
  auto x = torch::rand({2, 3, 32, 32});
  auto msg = testing::error_message(
      [&] { attack->run(*model, x, Misclassification(torch::zeros({2}, torch::kLong))); });
  EXPECT_NE(msg.find("[1, 28, 28]"), std::string::npos) << msg;
}

}  // namespace
}  // namespace advlab
