#include "advlab/io/image_grid.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <stb/stb_image.h>
#include <torch/torch.h>

#include <memory>

using advlab::testing::ScratchDir;

namespace {

struct Decoded {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

Decoded decode_png(const std::string& bytes) {
  Decoded out;
  std::unique_ptr<stbi_uc, void (*)(void*)> data(
      stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                            static_cast<int>(bytes.size()), &out.width, &out.height, &out.channels,
                            0),
      stbi_image_free);
  if (data) {
    out.pixels.assign(data.get(), data.get() + out.width * out.height * out.channels);
  }
  return out;
}

}  // namespace

TEST(ImageGrid, EncodePngRoundTripsPixelsWithUpscale) {
  auto image = torch::tensor({0.0f, 1.0f / 255, 128.0f / 255, 1.0f}).reshape({1, 2, 2});
  auto png = decode_png(advlab::io::encode_png(image, 2));
  ASSERT_EQ(png.width, 4);
  ASSERT_EQ(png.height, 4);
  ASSERT_EQ(png.channels, 1);
  EXPECT_EQ(png.pixels, (std::vector<uint8_t>{0, 0, 1, 1, 0, 0, 1, 1,  //
                                              128, 128, 255, 255, 128, 128, 255, 255}));
}

TEST(ImageGrid, SavePngWritesRgb) {
  ScratchDir dir;
  auto image = torch::rand({3, 5, 7});
  advlab::io::save_png(dir.file("sub/one.png"), image);
  auto png = decode_png(advlab::testing::read_bytes(dir.file("sub/one.png")));
  EXPECT_EQ(png.width, 7);
  EXPECT_EQ(png.height, 5);
  EXPECT_EQ(png.channels, 3);
}

TEST(ImageGrid, GridHasOneRowPerSampleAndThreeColumns) {
  ScratchDir dir;
  torch::manual_seed(0);
  auto originals = torch::rand({5, 1, 8, 8});
  auto adversarials = (originals + 0.03 * torch::randn_like(originals)).clamp(0, 1);
  std::vector<std::pair<std::string, std::string>> captions(5, {"", ""});
  advlab::io::AdversarialGridOptions options;
  options.max_rows = 3;
  options.upscale = 4;
  auto path = dir.file("grid.png");
  advlab::io::save_adversarial_grid(path, originals, adversarials, captions, options);
  auto png = decode_png(advlab::testing::read_bytes(path));
  ASSERT_GT(png.width, 0);
  EXPECT_EQ(png.channels, 1);
  // Three 32-px cells with padding across (the "delta xN" caption may widen the third),
  // three rows of caption + 32-px image down.
  EXPECT_GE(png.width, 3 * 32 + 16);
  EXPECT_LT(png.width, 3 * 32 + 16 + 100);
  EXPECT_GE(png.height, 3 * (32 + 12));
  EXPECT_LT(png.height, 3 * (32 + 12) + 40);

  // Five rows when asked: the height grows by exactly two row heights.
  options.max_rows = 8;
  advlab::io::save_adversarial_grid(path, originals, adversarials, captions, options);
  auto taller = decode_png(advlab::testing::read_bytes(path));
  EXPECT_EQ(taller.width, png.width);
  EXPECT_EQ((taller.height - png.height) % 2, 0);
  EXPECT_EQ((taller.height - png.height) / 2 * 3, png.height - 4);  // minus top padding
}

TEST(ImageGrid, CaptionsChangePixelsAndRgbIsKept) {
  ScratchDir dir;
  auto originals = torch::full({1, 3, 10, 10}, 0.5);
  auto adversarials = originals.clone();
  adversarials[0][0][2][3] = 0.6;
  advlab::io::AdversarialGridOptions options;
  options.upscale = 3;
  advlab::io::save_adversarial_grid(dir.file("blank.png"), originals, adversarials, {{"", ""}},
                                    options);
  advlab::io::save_adversarial_grid(dir.file("text.png"), originals, adversarials,
                                    {{"orig", "adv"}}, options);
  auto blank = decode_png(advlab::testing::read_bytes(dir.file("blank.png")));
  auto text = decode_png(advlab::testing::read_bytes(dir.file("text.png")));
  EXPECT_EQ(text.channels, 3);
  ASSERT_EQ(blank.width, text.width);
  ASSERT_EQ(blank.height, text.height);
  EXPECT_NE(blank.pixels, text.pixels);
  // Only the caption strip above the images differs.
  const size_t caption_rows = 4 + 12;
  size_t stride = static_cast<size_t>(text.width) * 3;
  EXPECT_TRUE(std::equal(blank.pixels.begin() + caption_rows * stride, blank.pixels.end(),
                         text.pixels.begin() + caption_rows * stride));
  // Black text pixels appear in the caption strip.
  EXPECT_NE(std::find(text.pixels.begin(), text.pixels.begin() + caption_rows * stride, 0),
            text.pixels.begin() + caption_rows * stride);
}

TEST(ImageGrid, RejectsMismatchedShapesAndMissingCaptions) {
  ScratchDir dir;
  auto a = torch::rand({2, 1, 4, 4});
  EXPECT_THROW(advlab::io::save_adversarial_grid(dir.file("g.png"), a, torch::rand({2, 1, 4, 5}),
                                                 {{"", ""}, {"", ""}}),
               advlab::Error);
  EXPECT_THROW(advlab::io::save_adversarial_grid(dir.file("g.png"), a, a, {{"", ""}}),
               advlab::Error);
}
