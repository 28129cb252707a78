#include "support/trained_models.h"

#include "advlab/data/load.h"
#include "advlab/defenses/adversarial_training.h"
#include "advlab/models/architectures.h"
#include "advlab/models/module_file.h"
#include "advlab/models/trainer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

namespace advlab::testing {

namespace fs = std::filesystem;

bool fashion_mnist_available() {
  bool found = fs::exists(data::fashion_mnist_dir() + "/train-images-idx3-ubyte.gz");
  // CI installs the data (scripts/setup.sh): there a missing data set is a failure, not a
  // reason to skip the tests that need it.
  if (!found && std::getenv("CI"))
    ADD_FAILURE() << "Fashion-MNIST not found in " << data::fashion_mnist_dir() << " (CI is set: install dataset-fashion-mnist)";
  return found;
}

std::string make_temp_dir(const std::string& tag) {
  std::random_device rd;
  auto dir = fs::temp_directory_path() / ("advlab-test-" + tag + "-" + std::to_string(rd()));
  fs::create_directories(dir);
  return dir.string();
}

namespace {

TrainedModel train_or_load(const std::string& file, std::shared_ptr<models::TrainObjective> objective) {
  TrainedModel t;
  t.path = std::string(ADVLAB_TEST_CACHE_DIR) + "/" + file;
  t.test = data::load_dataset("fashion-mnist:test").head(500);
  if (!fs::exists(t.path)) {
    auto train = data::load_dataset("fashion-mnist:train").head(15000);
    auto module = models::make_architecture("small-cnn", {});
    models::TrainOptions options;
    options.epochs = 4;
    options.learning_rate = 3e-3;
    options.seed = 1;
    options.objective = std::move(objective);
    models::train_classifier(module, train, options);
    models::save_module_atomic(module, t.path);
  }
  t.model = TorchScriptClassifier::load(t.path);
  t.model->probe({1, 28, 28});
  return t;
}

}  // namespace

const TrainedModel& fashion_robust_cnn() {
  static const TrainedModel trained = train_or_load(
      "fashion-small-cnn-fgsmrs-v1.pt",
      defenses::make_adversarial_objective(defenses::AdversarialTrainingOptions("fgsm-rs", 0.1)));
  return trained;
}

const TrainedModel& fashion_cnn() {
  // Bump the file's version when the recipe changes so stale caches are not reused.
  static const TrainedModel trained = train_or_load("fashion-small-cnn-v2.pt", nullptr);
  return trained;
}

}  // namespace advlab::testing
