// Spec-string dispatch: one table maps each prefix to its loader, so the accepted forms
// and the error message listing them cannot drift apart.
#include "advlab/core/error.h"
#include "advlab/data/load.h"

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <vector>

namespace advlab::data {
namespace {

struct SpecForm {
  std::string prefix;  // including the trailing ':'
  std::string usage;
  std::function<Dataset(const std::string& rest, const std::string& spec)> load;
};

bool parse_split(const std::string& split, const std::string& spec) {
  ADVLAB_CHECK(split == "train" || split == "test", "dataset spec '", spec,
               "': split must be 'train' or 'test', got '", split, "'");
  return split == "train";
}

Dataset load_fashion_mnist(const std::string& split, const std::string& spec) {
  bool train = parse_split(split, spec);
  std::filesystem::path dir = fashion_mnist_dir();
  std::string stem = train ? "train" : "t10k";
  Dataset out = load_idx((dir / (stem + "-images-idx3-ubyte.gz")).string(),
                         (dir / (stem + "-labels-idx1-ubyte.gz")).string());
  ADVLAB_CHECK(out.num_classes <= 10, spec, ": labels exceed the 10 Fashion-MNIST classes");
  out.num_classes = 10;
  out.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                     "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  out.source = spec;
  return out;
}

Dataset load_idx_spec(const std::string& rest, const std::string& spec) {
  auto comma = rest.find(',');
  ADVLAB_CHECK(comma != std::string::npos && comma > 0 && comma + 1 < rest.size(), "dataset spec '",
               spec, "': expected idx:IMAGES_FILE,LABELS_FILE");
  return load_idx(rest.substr(0, comma), rest.substr(comma + 1));
}

Dataset load_cifar10_spec(const std::string& rest, const std::string& spec) {
  auto colon = rest.rfind(':');
  ADVLAB_CHECK(colon != std::string::npos && colon > 0, "dataset spec '", spec,
               "': expected cifar10:DIR:train or cifar10:DIR:test");
  return load_cifar10(rest.substr(0, colon), parse_split(rest.substr(colon + 1), spec));
}

const std::vector<SpecForm>& spec_forms() {
  static const std::vector<SpecForm> forms = {
      {"fashion-mnist:", "fashion-mnist:train|test", load_fashion_mnist},
      {"idx:", "idx:IMAGES_FILE,LABELS_FILE", load_idx_spec},
      {"cifar10:", "cifar10:DIR:train|test", load_cifar10_spec},
      {"folder:", "folder:DIR (or a plain directory)",
       [](const std::string& rest, const std::string&) { return load_image_folder(rest); }},
  };
  return forms;
}

}  // namespace

std::string fashion_mnist_dir() {
  const char* env = std::getenv("ADVLAB_FASHION_MNIST_DIR");
  return env && *env ? env : "/usr/share/datasets/fashion-mnist";
}

Dataset load_dataset(const std::string& spec) {
  for (const auto& form : spec_forms()) {
    if (spec.rfind(form.prefix, 0) == 0) return form.load(spec.substr(form.prefix.size()), spec);
  }
  std::error_code ec;
  if (!spec.empty() && std::filesystem::is_directory(spec, ec)) return load_image_folder(spec);

  std::string accepted;
  for (const auto& form : spec_forms()) accepted += (accepted.empty() ? "" : ", ") + form.usage;
  throw Error(c10::str("unknown dataset spec '", spec, "'; accepted forms: ", accepted));
}

}  // namespace advlab::data
