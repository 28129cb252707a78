#include "advlab/data/load.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <zlib.h>

#include <filesystem>

using advlab::testing::error_message;
using advlab::testing::ScratchDir;
using advlab::testing::write_bytes;

namespace {

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string idx_images(uint32_t n, uint32_t h, uint32_t w, uint32_t magic = 0x803) {
  std::string bytes = be32(magic) + be32(n) + be32(h) + be32(w);
  for (uint32_t i = 0; i < n * h * w; ++i) bytes += static_cast<char>((i * 37) % 256);
  return bytes;
}

std::string idx_labels(const std::string& labels) {
  return be32(0x801) + be32(labels.size()) + labels;
}

void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(file);
}

void expect_pixels_match(const advlab::data::Dataset& d, uint32_t n, uint32_t h, uint32_t w) {
  ASSERT_EQ(d.images.sizes(), torch::IntArrayRef({n, 1, h, w}));
  EXPECT_EQ(d.images.dtype(), torch::kFloat32);
  auto expected = torch::arange(int64_t{n} * h * w, torch::kInt64).mul(37).remainder(256);
  EXPECT_TRUE(torch::equal(d.images.flatten().mul(255).round().to(torch::kInt64), expected));
}

}  // namespace

TEST(IdxReader, ReadsRawFilesExactly) {
  ScratchDir dir;
  write_bytes(dir.file("img"), idx_images(3, 4, 5));
  write_bytes(dir.file("lbl"), idx_labels(std::string{0, 4, 2}));
  auto d = advlab::data::load_idx(dir.file("img"), dir.file("lbl"));
  expect_pixels_match(d, 3, 4, 5);
  EXPECT_TRUE(torch::equal(d.labels, torch::tensor({0, 4, 2}, torch::kInt64)));
  EXPECT_EQ(d.num_classes, 5);
  EXPECT_EQ(d.class_names.size(), 5u);
  EXPECT_GE(d.images.min().item<float>(), 0.0f);
  EXPECT_LE(d.images.max().item<float>(), 1.0f);
}

TEST(IdxReader, ReadsGzipFilesDetectedByMagicNotName) {
  ScratchDir dir;
  write_gzip(dir.file("images.bin"), idx_images(2, 3, 3));
  write_gzip(dir.file("labels.bin"), idx_labels(std::string{1, 0}));
  auto d =
      advlab::data::load_dataset("idx:" + dir.file("images.bin") + "," + dir.file("labels.bin"));
  expect_pixels_match(d, 2, 3, 3);
  EXPECT_TRUE(torch::equal(d.labels, torch::tensor({1, 0}, torch::kInt64)));
  EXPECT_EQ(d.num_classes, 2);  // at least two classes even when labels are 0 and 1
}

TEST(IdxReader, RejectsWrongMagicNamingTheFile) {
  ScratchDir dir;
  write_bytes(dir.file("img"), idx_images(2, 2, 2, 0x801));
  write_bytes(dir.file("lbl"), idx_labels(std::string{0, 1}));
  auto message = error_message([&] { advlab::data::load_idx(dir.file("img"), dir.file("lbl")); });
  EXPECT_NE(message.find(dir.file("img")), std::string::npos) << message;
  EXPECT_NE(message.find("magic"), std::string::npos) << message;
}

TEST(IdxReader, RejectsTruncatedData) {
  ScratchDir dir;
  std::string images = idx_images(4, 3, 3);
  write_bytes(dir.file("img"), images.substr(0, images.size() - 5));
  write_bytes(dir.file("lbl"), idx_labels(std::string(4, 1)));
  auto message = error_message([&] { advlab::data::load_idx(dir.file("img"), dir.file("lbl")); });
  EXPECT_NE(message.find(dir.file("img")), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "message must be one line";
}

TEST(IdxReader, RejectsTruncatedGzipStream) {
  ScratchDir dir;
  write_gzip(dir.file("full.gz"), idx_images(50, 10, 10));
  std::string gz = advlab::testing::read_bytes(dir.file("full.gz"));
  write_bytes(dir.file("img.gz"), gz.substr(0, gz.size() / 2));
  write_bytes(dir.file("lbl"), idx_labels(std::string(50, 1)));
  auto message =
      error_message([&] { advlab::data::load_idx(dir.file("img.gz"), dir.file("lbl")); });
  EXPECT_NE(message.find(dir.file("img.gz")), std::string::npos) << message;
}

TEST(IdxReader, HugeDeclaredCountIsACleanErrorNotAnAllocation) {
  ScratchDir dir;
  // Claims 4e9 images of 4096 x 4096 but holds only a few bytes.
  write_bytes(dir.file("img"),
              be32(0x803) + be32(4000000000u) + be32(4096) + be32(4096) + std::string(64, '\0'));
  write_bytes(dir.file("lbl"), idx_labels(std::string{0, 1}));
  auto message = error_message([&] { advlab::data::load_idx(dir.file("img"), dir.file("lbl")); });
  EXPECT_NE(message.find(dir.file("img")), std::string::npos) << message;

  write_bytes(dir.file("lbl2"), be32(0x801) + be32(0xffffffffu) + std::string(8, '\0'));
  write_bytes(dir.file("img2"), idx_images(2, 2, 2));
  message = error_message([&] { advlab::data::load_idx(dir.file("img2"), dir.file("lbl2")); });
  EXPECT_NE(message.find(dir.file("lbl2")), std::string::npos) << message;
}

TEST(IdxReader, RejectsZeroDimensionAndCountMismatch) {
  ScratchDir dir;
  write_bytes(dir.file("zero"), be32(0x803) + be32(2) + be32(0) + be32(3));
  write_bytes(dir.file("img"), idx_images(3, 2, 2));
  write_bytes(dir.file("lbl"), idx_labels(std::string{0, 1}));
  auto message = error_message([&] { advlab::data::load_idx(dir.file("zero"), dir.file("lbl")); });
  EXPECT_NE(message.find("zero"), std::string::npos) << message;
  message = error_message([&] { advlab::data::load_idx(dir.file("img"), dir.file("lbl")); });
  EXPECT_NE(message.find(dir.file("lbl")), std::string::npos) << message;
  EXPECT_THROW(advlab::data::load_idx(dir.file("missing"), dir.file("lbl")), advlab::Error);
}

TEST(LoadDataset, UnknownSpecListsAcceptedForms) {
  auto message = error_message([] { advlab::data::load_dataset("mnist-ish:whatever"); });
  EXPECT_NE(message.find("fashion-mnist:train|test"), std::string::npos) << message;
  EXPECT_NE(message.find("idx:"), std::string::npos) << message;
  EXPECT_NE(message.find("cifar10:"), std::string::npos) << message;
  EXPECT_NE(message.find("folder:"), std::string::npos) << message;
  EXPECT_THROW(advlab::data::load_dataset("fashion-mnist:validation"), advlab::Error);
}

TEST(LoadDataset, RealFashionMnistTestSplit) {
  std::filesystem::path dir = advlab::data::fashion_mnist_dir();
  if (!std::filesystem::exists(dir / "t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST not installed at " << dir;
  }
  auto d = advlab::data::load_dataset("fashion-mnist:test");
  ASSERT_EQ(d.images.sizes(), torch::IntArrayRef({10000, 1, 28, 28}));
  EXPECT_EQ(d.labels.size(0), 10000);
  EXPECT_GE(d.labels.min().item<int64_t>(), 0);
  EXPECT_LE(d.labels.max().item<int64_t>(), 9);
  EXPECT_EQ(d.num_classes, 10);
  ASSERT_EQ(d.class_names.size(), 10u);
  EXPECT_EQ(d.class_names[9], "Ankle boot");
  EXPECT_GE(d.images.min().item<float>(), 0.0f);
  EXPECT_LE(d.images.max().item<float>(), 1.0f);
}
