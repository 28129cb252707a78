#include "support/attack_fixtures.h"

#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/gan/advgan_trainer.h"
#include "advlab/models/module_file.h"
#include "support/pca_generator.h"
#include "support/trained_models.h"

#include <filesystem>

namespace advlab::testing {

std::string advgan_fixture_generator(const std::string& norm) {
  ADVLAB_CHECK(norm == "linf" || norm == "l2", "no AdvGAN fixture for norm ", norm);
  // Bump the version when the recipe changes so stale caches are not reused.
  // Trained against fashion_cnn(), so cached per test-model seed like it.
  auto path = std::string(ADVLAB_TEST_CACHE_DIR) + "/" + seeded_cache_file("advgan-" + norm + "-v1.pt");
  if (!std::filesystem::exists(path)) {
    auto& trained = fashion_cnn();
    auto train = data::load_dataset("fashion-mnist:train").head(3000);
    auto options = gan::AdvGanOptions(norm == "linf" ? 0.1 : 1.5).norm(norm).epochs(2).seed(11);
    auto summary = gan::train_advgan(*trained.model, train, options);
    models::save_module_atomic(summary.generator, path);
  }
  return path;
}

std::map<std::string, std::string> attack_fixture_options(const std::string& attack, const std::string& norm) {
  if (attack == "advgan") return {{"generator", advgan_fixture_generator(norm)}};
  if (attack == "natural")
    return {{"generator", fashion_pca().generator_path}, {"inverter", fashion_pca().inverter_path}};
  return {};
}

}  // namespace advlab::testing
