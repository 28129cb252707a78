#include "advlab/models/default_model.h"

#include "advlab/data/load.h"
#include "advlab/models/architectures.h"
#include "advlab/models/module_file.h"
#include "advlab/models/trainer.h"

#include <filesystem>
#include <ostream>

namespace advlab::models {

std::string ensure_default_model(const DefaultModelOptions& o) {
  if (std::filesystem::exists(o.cache)) {
    if (o.progress) *o.progress << "using cached model " << o.cache << "\n";
    return o.cache;
  }
  if (o.progress)
    *o.progress << "training small-cnn on fashion-mnist:train (" << o.epochs << " epochs), caching to "
                << o.cache << "\n";
  auto train = data::load_dataset("fashion-mnist:train");
  auto module = make_architecture("small-cnn", {});
  TrainOptions options;
  options.epochs = o.epochs;
  options.seed = o.seed;
  options.checkpoint_path = o.cache + ".ckpt";
  options.resume = true;  // an interrupted run continues where it stopped
  options.progress = o.progress;
  train_classifier(module, train, options);
  save_module_atomic(module, o.cache);
  return o.cache;
}

}  // namespace advlab::models
