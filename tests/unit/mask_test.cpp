// Masks: built-in shapes cover the pixels they describe, PNG masks read white as
// "may change", bad specs are refused, and apply_mask leaves the complement untouched.
#include "advlab/core/error.h"
#include "advlab/io/image_grid.h"
#include "advlab/threat/mask.h"
#include "support/corrupt_jpeg.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

namespace advlab {
namespace {

TEST(Mask, BuiltInShapesCoverWhatTheySay) {
  auto full = make_mask("full", 28, 28);
  EXPECT_EQ(full.sizes(), (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(full.sum().item<double>(), 28 * 28);

  // Left half, top quarter: 14 columns x 7 rows.
  auto rect = make_mask("rect:0,0,0.5,0.25", 28, 28);
  EXPECT_EQ(rect.sum().item<double>(), 14 * 7);
  EXPECT_EQ(rect[0][0][0].item<double>(), 1);
  EXPECT_EQ(rect[0][27][27].item<double>(), 0);

  // A disc of radius 0.25 on a 100x100 grid has about pi * 25^2 pixels.
  auto disc = make_mask("circle:0.5,0.5,0.25", 100, 100);
  EXPECT_NEAR(disc.sum().item<double>(), M_PI * 625, 30);
  EXPECT_EQ(disc[0][50][50].item<double>(), 1);
  EXPECT_EQ(disc[0][0][0].item<double>(), 0);

  auto stickers = make_mask("stickers", 32, 32);
  EXPECT_GT(stickers.sum().item<double>(), 0);
  EXPECT_EQ(stickers[0][16][16].item<double>(), 0);  // the middle stays untouched

  auto frame = make_mask("border:0.1", 30, 30);
  EXPECT_EQ(frame[0][0][15].item<double>(), 1);
  EXPECT_EQ(frame[0][15][15].item<double>(), 0);
}

TEST(Mask, PngWhiteMeansMayChangeAndIsResized) {
  testing::TempDir dir;
  auto image = torch::zeros({1, 14, 14});
  image.narrow(2, 7, 7).fill_(1);  // right half white
  const auto path = (dir.path() / "mask.png").string();
  io::save_png(path, image);
  auto same = make_mask(path, 14, 14);
  EXPECT_EQ(same.sum().item<double>(), 7 * 14);
  auto big = make_mask(path, 28, 28);  // nearest-neighbour resize keeps the halves
  EXPECT_EQ(big.sum().item<double>(), 14 * 28);
  EXPECT_EQ(big[0][0][27].item<double>(), 1);
  EXPECT_EQ(big[0][0][0].item<double>(), 0);
}

TEST(Mask, BadSpecsAreRefusedWithTheirName) {
  EXPECT_THROW(make_mask("triangle", 28, 28), Error);
  EXPECT_THROW(make_mask("rect:0,0,0.5", 28, 28), Error);
  EXPECT_THROW(make_mask("rect:0,0,abc,1", 28, 28), Error);
  EXPECT_THROW(make_mask("circle:0.5,0.5,2", 28, 28), Error);
  EXPECT_THROW(make_mask("rect:0,0,0,0", 28, 28), Error);  // selects nothing
  EXPECT_THROW(make_mask("/no/such/mask.png", 28, 28), Error);
  testing::TempDir dir;
  const auto corrupt = (dir.path() / "corrupt.png").string();
  std::ofstream(corrupt) << "not a png";
  try {
    make_mask(corrupt, 28, 28);
    FAIL() << "a corrupt PNG was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt.png"), std::string::npos) << e.what();
  }
}

// Found by fuzz_mask_spec: a name the OS refuses (ENAMETOOLONG) made std::filesystem throw.
TEST(Mask, OverlongPngNameIsNotFound) {
  const std::string spec = std::string(5000, 'm') + ".png";
  try {
    make_mask(spec, 8, 8);
    FAIL() << "an overlong mask name was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("mask file not found: mmm", 0), 0u) << e.what();
  }
}

// Found by fuzz_mask_png: mask files are decoded by content, so a JPEG named .png reaches
// stb_image's JPEG decoder and its Huffman table overrun.
TEST(Mask, JpegWithOversizedHuffmanTableIsRefused) {
  testing::TempDir dir;
  const auto path = (dir.path() / "mask.png").string();
  std::ofstream(path, std::ios::binary) << testing::jpeg_with_oversized_huffman_table(8, 8);
  try {
    make_mask(path, 8, 8);
    FAIL() << "a JPEG with a 257-symbol Huffman table was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mask.png: corrupt JPEG"), std::string::npos) << e.what();
  }
}

TEST(Mask, ApplyMaskKeepsTheComplement) {
  torch::manual_seed(0);
  auto original = torch::rand({4, 3, 10, 10});
  auto candidate = torch::rand({4, 3, 10, 10});
  auto mask = make_mask("rect:0.2,0.2,0.5,0.5", 10, 10);
  auto out = apply_mask(original, candidate, mask);
  EXPECT_TRUE(unchanged_outside(original, out, mask).all().item<bool>());
  EXPECT_FALSE(unchanged_outside(original, candidate, mask).any().item<bool>());
  auto inside = mask.expand_as(out) > 0.5;
  EXPECT_TRUE(torch::equal(out.masked_select(inside), candidate.masked_select(inside)));
}

}  // namespace
}  // namespace advlab
