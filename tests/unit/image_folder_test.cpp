#include "advlab/data/load.h"
#include "support/corrupt_jpeg.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <stb/stb_image_write.h>
#include <torch/torch.h>

#include <filesystem>
#include <vector>

using advlab::testing::error_message;
using advlab::testing::ScratchDir;
using advlab::testing::write_bytes;

namespace {

// Interleaved pixels with value (seed + index) % 256.
std::vector<uint8_t> pattern(int w, int h, int channels, int seed) {
  std::vector<uint8_t> pixels(static_cast<size_t>(w) * h * channels);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>((seed + i) % 256);
  return pixels;
}

void write_png(const std::string& path, int w, int h, int channels, int seed) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  auto pixels = pattern(w, h, channels, seed);
  ASSERT_TRUE(stbi_write_png(path.c_str(), w, h, channels, pixels.data(), w * channels));
}

// The dataset's CHW image i as interleaved HWC bytes, to compare with `pattern`.
std::vector<uint8_t> as_hwc_bytes(const torch::Tensor& chw) {
  auto bytes = chw.mul(255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  return std::vector<uint8_t>(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
}

}  // namespace

TEST(ImageFolder, GrayscaleRoundTripWithSortedClasses) {
  ScratchDir dir;
  write_png(dir.file("zebra/a.png"), 5, 4, 1, 10);
  write_png(dir.file("ant/b.png"), 5, 4, 1, 20);
  write_png(dir.file("ant/a.png"), 5, 4, 1, 30);
  write_bytes(dir.file("ant/notes.txt"), "not an image");
  auto d = advlab::data::load_dataset(dir.path().string());  // a plain directory path
  ASSERT_EQ(d.images.sizes(), torch::IntArrayRef({3, 1, 4, 5}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"ant", "zebra"}));
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_TRUE(torch::equal(d.labels, torch::tensor({0, 0, 1}, torch::kInt64)));
  EXPECT_EQ(as_hwc_bytes(d.images[0]), pattern(5, 4, 1, 30));  // ant/a.png
  EXPECT_EQ(as_hwc_bytes(d.images[1]), pattern(5, 4, 1, 20));  // ant/b.png
  EXPECT_EQ(as_hwc_bytes(d.images[2]), pattern(5, 4, 1, 10));  // zebra/a.png
}

TEST(ImageFolder, MixedGrayAndColorBecomesRgb) {
  ScratchDir dir;
  write_png(dir.file("cat/rgb.png"), 3, 2, 3, 7);
  write_png(dir.file("dog/gray.png"), 3, 2, 1, 99);
  auto d = advlab::data::load_dataset("folder:" + dir.path().string());
  ASSERT_EQ(d.images.sizes(), torch::IntArrayRef({2, 3, 2, 3}));
  EXPECT_EQ(as_hwc_bytes(d.images[0]), pattern(3, 2, 3, 7));
  // A gray image is replicated to all three channels.
  EXPECT_TRUE(torch::equal(d.images[1][0], d.images[1][1]));
  EXPECT_TRUE(torch::equal(d.images[1][0], d.images[1][2]));
}

TEST(ImageFolder, ClearErrors) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "empty_root");
  auto message = error_message([&] { advlab::data::load_image_folder(dir.file("empty_root")); });
  EXPECT_NE(message.find("empty_root"), std::string::npos) << message;

  write_png(dir.file("sizes/a/x.png"), 4, 4, 1, 0);
  write_png(dir.file("sizes/b/y.png"), 5, 4, 1, 0);
  message = error_message([&] { advlab::data::load_image_folder(dir.file("sizes")); });
  EXPECT_NE(message.find("y.png"), std::string::npos) << message;
  EXPECT_NE(message.find("5x4"), std::string::npos) << message;

  write_png(dir.file("broken/a/ok.png"), 4, 4, 1, 0);
  write_bytes(dir.file("broken/a/bad.png"), "this is not a png");
  message = error_message([&] { advlab::data::load_image_folder(dir.file("broken")); });
  EXPECT_NE(message.find("bad.png"), std::string::npos) << message;

  write_png(dir.file("hollow/a/ok.png"), 4, 4, 1, 0);
  std::filesystem::create_directories(dir.path() / "hollow" / "b");
  message = error_message([&] { advlab::data::load_image_folder(dir.file("hollow")); });
  EXPECT_NE(message.find("hollow/b"), std::string::npos) << message;
}

// Found by fuzz_image_folder: the header pass (stbi_info) already overran the table.
TEST(ImageFolder, JpegWithOversizedHuffmanTableIsAOneLineError) {
  ScratchDir dir;
  write_png(dir.file("a/first.png"), 8, 8, 3, 0);
  write_bytes(dir.file("b/second.jpg"), advlab::testing::jpeg_with_oversized_huffman_table(8, 8));
  auto message = error_message([&] { advlab::data::load_image_folder(dir.path().string()); });
  EXPECT_NE(message.find("second.jpg: corrupt JPEG"), std::string::npos) << message;
}
