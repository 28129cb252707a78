// advlab data: dataset generators. `advlab data signs --out DIR` renders the synthetic
// traffic-sign set (issue 6) in the image-folder format, ready for
// `advlab train --data folder:DIR/train`.
#include "advlab/core/error.h"
#include "advlab/data/sign_folder.h"
#include "commands.h"
#include "output_path.h"

#include <c10/util/StringUtil.h>

#include <iostream>
#include <memory>

namespace advlab::cli {

namespace {

struct SignsArgs {
  std::string out;
  int64_t train_per_class = data::SignDatasetOptions{}.per_class_train;
  int64_t test_per_class = data::SignDatasetOptions{}.per_class_test;
  int64_t size = 32;
  uint64_t seed = 0;
  bool force = false;
};

void run_signs(const SignsArgs& args) {
  check_output_folder("--out", args.out);
  ADVLAB_CHECK(args.train_per_class >= 1, "--train-per-class must be >= 1, got ", args.train_per_class);
  ADVLAB_CHECK(args.test_per_class >= 1, "--test-per-class must be >= 1, got ", args.test_per_class);
  ADVLAB_CHECK(args.size >= 8 && args.size <= 512, "--size must be in [8, 512], got ", args.size);
  data::SignDatasetOptions options;
  options.per_class_train = args.train_per_class;
  options.per_class_test = args.test_per_class;
  options.size = args.size;
  options.seed = args.seed;
  data::write_sign_folder(options, args.out, args.force, &std::cerr);
  const auto& names = data::sign_class_names();
  std::cout << "classes: " << c10::Join(", ", names) << "\n"
            << "train: " << args.out << "/train (" << args.train_per_class * names.size() << " images)\n"
            << "test: " << args.out << "/test (" << args.test_per_class * names.size() << " images)\n";
}

}  // namespace

void register_data_command(CLI::App& app) {
  auto* data_cmd = app.add_subcommand("data", "generate datasets");
  data_cmd->require_subcommand(1);
  auto args = std::make_shared<SignsArgs>();
  auto* signs = data_cmd->add_subcommand(
      "signs", "render synthetic traffic signs (" + c10::Join(", ", data::sign_class_names()) +
                   ") as DIR/train/<class>/*.png and DIR/test/<class>/*.png");
  signs->add_option("--out", args->out, "output folder (must not exist unless --force)")->required();
  signs->add_option("--train-per-class", args->train_per_class, "training images per class")
      ->capture_default_str();
  signs->add_option("--test-per-class", args->test_per_class, "test images per class")->capture_default_str();
  signs->add_option("--size", args->size, "image width and height in pixels")->capture_default_str();
  signs->add_option("--seed", args->seed, "random seed (same seed, same images)")->capture_default_str();
  signs->add_flag("--force", args->force, "replace --out if it exists");
  signs->callback([args] { run_signs(*args); });
}

}  // namespace advlab::cli
