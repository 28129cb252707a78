// CIFAR-10 binary version: each record is 1 label byte then 3072 pixel bytes (3 x 32 x 32,
// channel-major). https://www.cs.toronto.edu/~kriz/cifar.html
// The class count is the number of names in batches.meta.txt (CIFAR-10's lists 10; data
// written in the same format for another task, e.g. bench/signs_to_cifar10.py, lists its
// own), or 10 without that file.
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "pixel_tensor.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <vector>

namespace advlab::data {
namespace {

constexpr int64_t kSide = 32;
constexpr int64_t kPixelBytes = 3 * kSide * kSide;
constexpr int64_t kRecordBytes = 1 + kPixelBytes;

const std::vector<std::string>& default_class_names() {
  static const std::vector<std::string> names = {
      "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  return names;
}

std::vector<std::string> batch_paths(const std::filesystem::path& dir, bool train) {
  if (!train) return {(dir / "test_batch.bin").string()};
  std::vector<std::string> paths;
  for (int i = 1; i <= 5; ++i) paths.push_back((dir / c10::str("data_batch_", i, ".bin")).string());
  return paths;
}

// Record count of one batch file, checked before anything is allocated.
int64_t count_records(const std::string& path) {
  std::error_code ec;
  ADVLAB_CHECK(std::filesystem::is_regular_file(path, ec), path, ": no such CIFAR-10 batch file");
  auto size = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  ADVLAB_CHECK(!ec, path, ": cannot read file size (", ec.message(), ")");
  ADVLAB_CHECK(size > 0 && size % kRecordBytes == 0, path, ": size ", size,
               " bytes is not a positive multiple of the ", kRecordBytes, "-byte CIFAR-10 record");
  return size / kRecordBytes;
}

// batches.meta.txt lists one class name per line; blank lines are padding.
std::vector<std::string> read_class_names(const std::filesystem::path& dir) {
  std::ifstream in(dir / "batches.meta.txt");
  if (!in) return default_class_names();
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line) && names.size() <= 256) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  // Labels are one byte: at most 256 classes.
  ADVLAB_CHECK(names.size() >= 2 && names.size() <= 256, (dir / "batches.meta.txt").string(),
               ": expected 2 to 256 class names (CIFAR-10: 10), found ", names.size());
  return names;
}

}  // namespace

Dataset load_cifar10(const std::string& dir, bool train) {
  std::error_code ec;
  ADVLAB_CHECK(std::filesystem::is_directory(dir, ec), dir, ": no such CIFAR-10 directory");
  auto paths = batch_paths(dir, train);
  auto class_names = read_class_names(dir);
  const auto classes = static_cast<int64_t>(class_names.size());
  std::vector<int64_t> counts;
  int64_t total = 0;
  for (const auto& path : paths) total += counts.emplace_back(count_records(path));

  std::vector<uint8_t> pixels(static_cast<size_t>(total * kPixelBytes));
  std::vector<uint8_t> labels(static_cast<size_t>(total));
  std::vector<char> record(kRecordBytes);
  int64_t index = 0;
  for (size_t f = 0; f < paths.size(); ++f) {
    std::ifstream in(paths[f], std::ios::binary);
    ADVLAB_CHECK(in, paths[f], ": cannot open file");
    for (int64_t r = 0; r < counts[f]; ++r, ++index) {
      in.read(record.data(), kRecordBytes);
      ADVLAB_CHECK(in.gcount() == kRecordBytes, paths[f], ": read error at record ", r);
      auto label = static_cast<uint8_t>(record[0]);
      ADVLAB_CHECK(label < classes, paths[f], ": record ", r, " has label ", int{label},
                   ", expected 0..", classes - 1);
      labels[index] = label;
      std::copy(record.begin() + 1, record.end(), pixels.begin() + index * kPixelBytes);
    }
  }

  Dataset out;
  out.images = unit_images_from_bytes(pixels.data(), {total, 3, kSide, kSide});
  out.labels = labels_from_bytes(labels.data(), total);
  out.num_classes = classes;
  out.class_names = std::move(class_names);
  out.source = c10::str("cifar10:", dir, train ? ":train" : ":test");
  return out;
}

}  // namespace advlab::data
