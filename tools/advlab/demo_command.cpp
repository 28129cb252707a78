// advlab demo physical: the physical-attack story of issue 6, end to end. Renders the
// synthetic traffic signs (or reuses OUT/signs), trains a sign classifier (or reuses
// OUT/model.pt; an interrupted training resumes from its checkpoint), requires a test
// accuracy of at least --min-accuracy, puts RP2 stickers on stop-sign close-ups to make
// them read as a speed limit, and measures how often that holds over fresh random
// physical views. Writes OUT/stickered.png and OUT/summary.json.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/core/progress.h"
#include "advlab/criteria/criterion.h"
#include "advlab/data/synthetic_signs.h"
#include "advlab/eval/transform_robustness.h"
#include "advlab/io/image_grid.h"
#include "advlab/io/json_file.h"
#include "advlab/models/classifier.h"
#include "advlab/models/sign_model.h"
#include "commands.h"
#include "output_path.h"

#include <c10/util/StringUtil.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

namespace advlab::cli {

namespace {

struct DemoArgs {
  std::string out = "results/physical";
  // Data (defaults of `advlab data signs`).
  int64_t train_per_class = data::SignDatasetOptions{}.per_class_train;
  int64_t test_per_class = data::SignDatasetOptions{}.per_class_test;
  uint64_t seed = 0;
  // Training (defaults: models::SignModelOptions).
  std::string arch = models::SignModelOptions{}.arch;
  int64_t epochs = models::SignModelOptions{}.epochs;
  int64_t batch_size = models::SignModelOptions{}.batch_size;
  double lr = models::SignModelOptions{}.learning_rate;
  double min_accuracy = 0.95;
  // Attack and evaluation.
  std::string source = "stop";
  std::string target = "speed-30";
  std::string mask = "placed";
  int64_t images = 20;  // stop signs attacked (0 = all test ones; close-ups: 0 means 20)
  std::string scene = "closeup";  // closeup | test
  int64_t steps = 40;
  int64_t samples = 16;
  double lr_attack = 0.1;
  int64_t views = 100;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * fraction);
  return buf;
}

void run_demo(const DemoArgs& args) {
  check_output_folder("--out", args.out);
  ADVLAB_CHECK(args.epochs >= 1, "--epochs must be >= 1, got ", args.epochs);
  ADVLAB_CHECK(args.batch_size >= 1, "--batch-size must be >= 1, got ", args.batch_size);
  ADVLAB_CHECK(args.lr > 0, "--lr must be > 0, got ", args.lr);
  ADVLAB_CHECK(args.min_accuracy >= 0 && args.min_accuracy <= 1, "--min-accuracy must be in [0, 1], got ",
               args.min_accuracy);
  ADVLAB_CHECK(args.images >= 0, "--images must be >= 0, got ", args.images);
  ADVLAB_CHECK(args.scene == "closeup" || args.scene == "test", "--scene must be closeup or test, got '",
               args.scene, "'");
  ADVLAB_CHECK(args.views >= 1, "--views must be >= 1, got ", args.views);
  ADVLAB_CHECK(args.train_per_class >= 1, "--train-per-class must be >= 1, got ", args.train_per_class);
  ADVLAB_CHECK(args.test_per_class >= 1, "--test-per-class must be >= 1, got ", args.test_per_class);
  const int64_t source = data::sign_class_index(args.source);
  const int64_t target = data::sign_class_index(args.target);
  ADVLAB_CHECK(source != target, "--target must differ from --source, both are '", args.target, "'");
  // Bad attack options fail before any rendering or training.
  auto attack = make_attack("rp2", {{"mask", args.mask},
                                    {"steps", std::to_string(args.steps)},
                                    {"samples", std::to_string(args.samples)},
                                    {"lr", c10::str(args.lr_attack)}});
  const auto start = std::chrono::steady_clock::now();

  // 1. Data and model: rendered and trained once, reused from OUT afterwards.
  models::SignModelOptions setup;
  setup.dir = args.out;
  setup.data.per_class_train = args.train_per_class;
  setup.data.per_class_test = args.test_per_class;
  setup.data.seed = args.seed;
  setup.arch = args.arch;
  setup.epochs = args.epochs;
  setup.batch_size = args.batch_size;
  setup.learning_rate = args.lr;
  setup.seed = args.seed;
  setup.progress = &std::cerr;
  auto signs = models::ensure_sign_model(setup);
  const double accuracy = signs.test_accuracy;
  const auto& test = signs.test;
  std::cerr << "test accuracy: " << percent(accuracy) << "\n";
  ADVLAB_CHECK(accuracy >= args.min_accuracy, "sign classifier test accuracy ", percent(accuracy),
               " is below --min-accuracy ", percent(args.min_accuracy), "; train longer (--epochs) after removing ",
               signs.model_path);
  TorchScriptClassifier model(signs.module);

  // 3. Attack stop signs, targeted at the speed limit: close-ups by default, since the
  // sticker mask is in image coordinates and must land on the sign; or the test signs
  // as rendered (random position and scale), where part of the mask may miss the sign.
  data::Dataset picked;
  if (args.scene == "closeup") {
    const int64_t count = args.images > 0 ? args.images : 20;
    picked.images = data::render_sign_closeups(source, count, test.images.size(-1), args.seed);
    picked.labels = torch::full({count}, source, torch::kInt64);
    picked.num_classes = test.num_classes;
    picked.class_names = test.class_names;
  } else {
    picked = test.select(torch::nonzero(test.labels == source).flatten());
    if (args.images > 0) picked = picked.head(args.images);
  }
  ADVLAB_CHECK(picked.size() > 0, "no test images of class ", args.source);
  const auto x = picked.images;
  const auto n = picked.size();
  TargetedMisclassification criterion(torch::full({n}, target, torch::kInt64));
  std::cerr << "rp2: " << n << " " << args.source << " signs -> " << args.target << ", " << args.steps
            << " steps x " << args.samples + 1 << " views\n";
  const auto attack_start = std::chrono::steady_clock::now();
  auto result = attack->run(model, x, criterion, args.seed);
  const double attack_seconds = seconds_since(attack_start);

  // 4. Success over fresh random views (a seed the attack never used), and the baseline:
  // how often views of the clean signs alone read as the target.
  eval::TransformSuccessOptions views;
  views.views = args.views;
  views.seed = args.seed + 1000003;
  auto adv_rates = eval::success_under_transforms(model, result.adversarials, criterion, views);
  auto clean_rates = eval::success_under_transforms(model, x, criterion, views);
  auto still_source = eval::success_under_transforms(model, x, Misclassification(picked.labels), views);
  const double adv_success = adv_rates.mean().item<double>();
  const double clean_success = clean_rates.mean().item<double>();
  auto clean_pred = model.predict(x);
  auto adv_pred = model.predict(result.adversarials);

  // 5. Outputs.
  const auto& names = data::sign_class_names();
  std::vector<std::pair<std::string, std::string>> captions;
  for (int64_t i = 0; i < n; ++i) {
    captions.emplace_back(names[clean_pred[i].item<int64_t>()],
                          names[adv_pred[i].item<int64_t>()] + " " + percent(adv_rates[i].item<double>()));
  }
  io::AdversarialGridOptions grid;
  grid.max_rows = static_cast<int>(std::min<int64_t>(n, 12));
  grid.upscale = 4;
  io::save_adversarial_grid(args.out + "/stickered.png", x, result.adversarials, captions, grid);

  auto to_vector = [](const torch::Tensor& t) {
    auto c = t.to(torch::kFloat64).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  };
  nlohmann::json summary{
      {"classes", names},
      {"model", {{"path", signs.model_path}, {"arch", args.arch}, {"test_accuracy", accuracy}}},
      {"data", {{"folder", signs.signs_dir}, {"train_images", signs.train.size()}, {"test_images", test.size()}}},
      {"attack", {{"name", attack->name()}, {"params", attack->params()}, {"seconds", attack_seconds}}},
      {"source", args.source},
      {"target", args.target},
      {"scene", args.scene},
      {"images", n},
      {"clean_accuracy_on_attacked_signs", (clean_pred == picked.labels).to(torch::kFloat32).mean().item<double>()},
      {"views", args.views},
      {"success_plain", result.success.to(torch::kFloat32).mean().item<double>()},
      {"success_over_views", adv_success},
      {"per_image_success_over_views", to_vector(adv_rates)},
      {"baseline_clean_target_over_views", clean_success},
      {"baseline_clean_misclassified_over_views", still_source.mean().item<double>()},
      {"seconds", seconds_since(start)}};
  io::write_json_atomic(args.out + "/summary.json", summary);

  std::printf("sign classifier: %s test accuracy (%s, %lld test images)\n", percent(accuracy).c_str(),
              args.arch.c_str(), static_cast<long long>(test.size()));
  std::printf("rp2 (mask %s) on %lld %s signs -> %s\n", args.mask.c_str(), static_cast<long long>(n),
              args.source.c_str(), args.target.c_str());
  std::printf("  targeted success on the plain images: %s\n",
              percent(result.success.to(torch::kFloat32).mean().item<double>()).c_str());
  std::printf("  targeted success over %lld random views: %s (clean signs: %s)\n",
              static_cast<long long>(args.views), percent(adv_success).c_str(), percent(clean_success).c_str());
  std::printf("images: %s/stickered.png\nsummary: %s/summary.json\n", args.out.c_str(), args.out.c_str());
}

}  // namespace

void register_demo_command(CLI::App& app) {
  auto* demo = app.add_subcommand("demo", "end-to-end demonstrations");
  demo->require_subcommand(1);
  auto args = std::make_shared<DemoArgs>();
  auto* cmd = demo->add_subcommand(
      "physical", "synthetic traffic signs, a sign classifier, RP2 stickers on stop signs, success over views");
  cmd->add_option("--out", args->out, "output folder (signs/, model.pt, stickered.png, summary.json)")
      ->capture_default_str();
  cmd->add_option("--train-per-class", args->train_per_class, "training signs per class")->capture_default_str();
  cmd->add_option("--test-per-class", args->test_per_class, "test signs per class")->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed for data, training, attack and views")->capture_default_str();
  cmd->add_option("--arch", args->arch, "classifier architecture")->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "training epochs")->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "training batch size")->capture_default_str();
  cmd->add_option("--lr", args->lr, "training learning rate")->capture_default_str();
  cmd->add_option("--min-accuracy", args->min_accuracy, "fail if test accuracy is below this")
      ->capture_default_str();
  cmd->add_option("--source", args->source, "class whose test signs get stickers")->capture_default_str();
  cmd->add_option("--target", args->target, "class the stickers aim for")->capture_default_str();
  cmd->add_option("--mask", args->mask, "rp2 mask spec")->capture_default_str();
  cmd->add_option("--images", args->images, "signs to attack (0 = all test signs; 20 close-ups)")->capture_default_str();
  cmd->add_option("--scene", args->scene, "signs to attack: closeup (sign fills the frame) or test (as rendered)")
      ->capture_default_str();
  cmd->add_option("--steps", args->steps, "rp2 Adam steps")->capture_default_str();
  cmd->add_option("--samples", args->samples, "rp2 random views per step")->capture_default_str();
  cmd->add_option("--attack-lr", args->lr_attack, "rp2 Adam learning rate")->capture_default_str();
  cmd->add_option("--views", args->views, "fresh random views per image for the evaluation")->capture_default_str();
  cmd->callback([args] { run_demo(*args); });
}

}  // namespace advlab::cli
