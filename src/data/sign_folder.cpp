#include "advlab/data/sign_folder.h"

#include "advlab/core/error.h"
#include "advlab/core/progress.h"
#include "advlab/io/atomic_file.h"
#include "advlab/io/image_grid.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace advlab::data {
namespace fs = std::filesystem;
namespace detail_sign_folder {

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ADVLAB_CHECK(out, path.string(), ": cannot create file");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  ADVLAB_CHECK(out, path.string(), ": write failed (disk full?)");
}

std::string index_name(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%05lld.png", static_cast<long long>(i));
  return buf;
}

}  // namespace detail_sign_folder

void save_image_folder(const Dataset& set, const std::string& dir) {
  ADVLAB_CHECK(static_cast<int64_t>(set.class_names.size()) == set.num_classes,
               "save_image_folder: ", set.num_classes, " classes but ", set.class_names.size(), " names");
  for (const auto& name : set.class_names) io::ensure_directory((fs::path(dir) / name).string());
  std::vector<int64_t> seen(static_cast<size_t>(set.num_classes), 0);
  auto labels = set.labels.contiguous();
  for (int64_t i = 0; i < set.size(); ++i) {
    const int64_t c = labels[i].item<int64_t>();
    ADVLAB_CHECK(c >= 0 && c < set.num_classes, "save_image_folder: label ", c, " out of range");
    auto path = fs::path(dir) / set.class_names[c] / detail_sign_folder::index_name(seen[c]++);
    detail_sign_folder::write_bytes(path, io::encode_png(set.images[i]));
  }
}

void write_sign_folder(const SignDatasetOptions& options, const std::string& dir, bool replace,
                       std::ostream* progress) {
  ADVLAB_CHECK(!dir.empty(), "signs: output folder must not be empty");
  std::error_code ec;
  ADVLAB_CHECK(replace || !fs::exists(dir, ec), dir, ": already exists (remove it or choose another --out)");
  const auto classes_count = static_cast<int64_t>(sign_class_names().size());
  ProgressLine line(progress, "rendering signs", classes_count * (options.per_class_train + options.per_class_test));
  auto sets = make_sign_datasets(options, [&](int64_t done, int64_t) { line.update(done); });
  line.finish();

  const fs::path target = fs::path(dir).lexically_normal();
  const fs::path temp = target.string() + ".tmp";
  fs::remove_all(temp, ec);
  io::ensure_directory(temp.string());
  save_image_folder(sets.train, (temp / "train").string());
  save_image_folder(sets.test, (temp / "test").string());
  std::string classes;
  for (const auto& name : sets.train.class_names) classes += name + "\n";
  detail_sign_folder::write_bytes(temp / "classes.txt", classes);
  nlohmann::json meta{{"generator", "advlab synthetic signs"},
                      {"train_per_class", options.per_class_train},
                      {"test_per_class", options.per_class_test},
                      {"size", options.size},
                      {"seed", options.seed},
                      {"classes", sets.train.class_names}};
  detail_sign_folder::write_bytes(temp / "signs.json", meta.dump(2) + "\n");

  if (replace) fs::remove_all(target, ec);
  fs::rename(temp, target, ec);
  ADVLAB_CHECK(!ec, dir, ": cannot move ", temp.string(), " into place (", ec.message(), ")");
}

bool is_sign_folder(const std::string& dir) {
  std::error_code ec;
  const fs::path d(dir);
  return fs::is_regular_file(d / "signs.json", ec) && fs::is_directory(d / "train", ec) &&
         fs::is_directory(d / "test", ec);
}

}  // namespace advlab::data
