#include "advlab/models/sign_model.h"

#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/data/sign_folder.h"
#include "advlab/io/zip_check.h"
#include "advlab/models/architectures.h"
#include "advlab/models/module_file.h"
#include "advlab/models/trainer.h"

#include <filesystem>
#include <ostream>

namespace advlab::models {

SignModel ensure_sign_model(const SignModelOptions& options) {
  ADVLAB_CHECK(!options.dir.empty(), "sign model: the folder must not be empty");
  ADVLAB_CHECK(options.epochs >= 1, "sign model: epochs must be >= 1, got ", options.epochs);
  ADVLAB_CHECK(options.batch_size >= 1, "sign model: batch size must be >= 1, got ", options.batch_size);
  ADVLAB_CHECK(options.learning_rate > 0, "sign model: learning rate must be > 0, got ", options.learning_rate);
  namespace fs = std::filesystem;
  SignModel out;
  out.signs_dir = (fs::path(options.dir) / "signs").string();
  out.model_path = (fs::path(options.dir) / "model.pt").string();
  if (data::is_sign_folder(out.signs_dir)) {
    if (options.progress) *options.progress << "reusing signs in " << out.signs_dir << "\n";
  } else {
    data::write_sign_folder(options.data, out.signs_dir, /*replace=*/true, options.progress);
  }
  out.train = data::load_image_folder(out.signs_dir + "/train");
  out.test = data::load_image_folder(out.signs_dir + "/test");
  ADVLAB_CHECK(out.train.class_names == data::sign_class_names(), out.signs_dir,
               ": classes differ from the synthetic sign classes; remove the folder to regenerate it");

  if (fs::exists(out.model_path)) {
    if (options.progress) *options.progress << "reusing model " << out.model_path << "\n";
    io::verify_zip_checksums(out.model_path);
    try {
      out.module = torch::jit::load(out.model_path);
    } catch (const std::exception&) {
      throw Error(c10::str(out.model_path, " is not a TorchScript archive (corrupt or wrong format)",
                           "; remove it to train a new sign model"));
    }
    out.module.eval();
  } else {
    ArchitectureOptions arch;
    arch.in_channels = out.train.images.size(1);
    arch.height = out.train.images.size(2);
    arch.width = out.train.images.size(3);
    arch.num_classes = out.train.num_classes;
    arch.seed = options.seed;
    out.module = make_architecture(options.arch, arch);
    TrainOptions train;
    train.epochs = options.epochs;
    train.batch_size = options.batch_size;
    train.learning_rate = options.learning_rate;
    train.seed = options.seed;
    train.checkpoint_path = out.model_path + ".ckpt";
    train.resume = true;
    train.progress = options.progress;
    if (options.progress) {
      *options.progress << "training " << options.arch << " on " << out.train.size() << " signs, "
                        << options.epochs << " epochs\n";
    }
    train_classifier(out.module, out.train, train);
    save_module_atomic(out.module, out.model_path);
  }
  out.test_accuracy = evaluate_accuracy(out.module, out.test);
  return out;
}

}  // namespace advlab::models
