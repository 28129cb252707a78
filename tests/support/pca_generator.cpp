#include "support/pca_generator.h"

#include "advlab/data/load.h"
#include "advlab/core/torch_compat.h"
#include "advlab/models/module_file.h"

#include <torch/torch.h>

#include <filesystem>

namespace advlab::testing {

PcaModels build_fashion_pca(int64_t latent_dim, int64_t images) {
  auto data = data::load_dataset("fashion-mnist:train").head(images);
  const auto shape = data.images.sizes().slice(1).vec();
  auto x = data.images.flatten(1).to(torch::kDouble);
  auto mean = x.mean(0);
  auto centred = x - mean;
  auto cov = centred.t().mm(centred) / static_cast<double>(x.size(0) - 1);
  auto [values, vectors] = advlab::compat::eigh(cov, "L");  // ascending
  auto top = torch::arange(cov.size(0) - 1, cov.size(0) - 1 - latent_dim, -1, torch::kLong);
  auto s = values.index_select(0, top).clamp_min(1e-12).sqrt();
  auto u = vectors.index_select(1, top);

  PcaModels m;
  m.generator = torch::jit::Module("__torch__.advlab_test.PcaDecoder");
  m.generator.register_attribute("training", c10::BoolType::get(), false);
  m.generator.register_buffer("mean", mean.to(torch::kFloat32));
  m.generator.register_buffer("basis", (u * s).t().contiguous().to(torch::kFloat32));  // [k, D]
  m.generator.register_attribute("latent_dim", c10::IntType::get(), latent_dim);
  m.generator.register_attribute("output_shape", c10::ListType::ofInts(), c10::List<int64_t>(shape));
  m.generator.register_attribute("architecture", c10::StringType::get(), std::string("pca-decoder"));
  m.generator.define(c10::str(R"(
def forward(self, z):
    x = torch.clamp(torch.matmul(z, self.basis) + self.mean, 0.0, 1.0)
    return x.view(z.size(0), )", shape[0], ", ", shape[1], ", ", shape[2], R"()
)"));

  m.inverter = torch::jit::Module("__torch__.advlab_test.PcaEncoder");
  m.inverter.register_attribute("training", c10::BoolType::get(), false);
  m.inverter.register_buffer("mean", mean.to(torch::kFloat32));
  m.inverter.register_buffer("projection", (u / s).contiguous().to(torch::kFloat32));  // [D, k]
  m.inverter.register_attribute("latent_dim", c10::IntType::get(), latent_dim);
  m.inverter.register_attribute("input_shape", c10::ListType::ofInts(), c10::List<int64_t>(shape));
  m.inverter.register_attribute("architecture", c10::StringType::get(), std::string("pca-encoder"));
  m.inverter.define(R"(
def forward(self, x):
    return torch.matmul(x.flatten(1) - self.mean, self.projection)
)");
  return m;
}

const PcaFixture& fashion_pca() {
  static const PcaFixture fixture = [] {
    PcaFixture f;
    f.latent_dim = 32;
    // Bump the version when the recipe changes so stale caches are not reused.
    f.generator_path = std::string(ADVLAB_TEST_CACHE_DIR) + "/fashion-pca32-generator-v1.pt";
    f.inverter_path = std::string(ADVLAB_TEST_CACHE_DIR) + "/fashion-pca32-inverter-v1.pt";
    if (!std::filesystem::exists(f.generator_path) || !std::filesystem::exists(f.inverter_path)) {
      auto m = build_fashion_pca(f.latent_dim);
      models::save_module_atomic(m.generator, f.generator_path);
      models::save_module_atomic(m.inverter, f.inverter_path);
    }
    return f;
  }();
  return fixture;
}

}  // namespace advlab::testing
