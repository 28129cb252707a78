#include "advlab/core/error.h"
#include "advlab/io/image_file.h"
#include "support/corrupt_jpeg.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

using advlab::testing::error_message;
using advlab::testing::ScratchDir;
using advlab::testing::write_bytes;

TEST(ImageFile, ReadsPngAndJpegHeadersAndPixels) {
  ScratchDir dir;
  write_bytes(dir.file("a.jpg"), advlab::testing::valid_jpeg(6, 4));
  auto header = advlab::io::read_image_header(dir.file("a.jpg"));
  EXPECT_EQ(header.width, 6);
  EXPECT_EQ(header.height, 4);
  EXPECT_EQ(header.channels, 3);
  auto image = advlab::io::decode_image(dir.file("a.jpg"), 1);
  ASSERT_EQ(image.pixels.size(), 6u * 4u);
  EXPECT_NEAR(image.pixels[0], 128, 3);

  unsigned char gray[4] = {0, 85, 170, 255};
  ASSERT_TRUE(stbi_write_png(dir.file("b.png").c_str(), 2, 2, 1, gray, 2));
  auto png = advlab::io::decode_image(dir.file("b.png"), 1);
  EXPECT_EQ(png.pixels, std::vector<uint8_t>(gray, gray + 4));
}

// Found by fuzz_image_folder: a DHT of 257 symbols overran stb_image's table.
TEST(ImageFile, OversizedJpegHuffmanTableIsAOneLineError) {
  ScratchDir dir;
  write_bytes(dir.file("bad.jpg"), advlab::testing::jpeg_with_oversized_huffman_table(8, 8));
  for (auto read : {+[](const std::string& p) { advlab::io::read_image_header(p); },
                    +[](const std::string& p) { advlab::io::decode_image(p, 3); }}) {
    auto message = error_message([&] { read(dir.file("bad.jpg")); });
    EXPECT_NE(message.find("bad.jpg: corrupt JPEG (a Huffman table has 257 symbols"),
              std::string::npos) << message;
  }
}

// stb decodes by content: a BMP (or GIF, PSD, HDR...) named .png must not reach those decoders.
TEST(ImageFile, OtherFormatsUnderAPngNameAreRefused) {
  ScratchDir dir;
  unsigned char pixels[12] = {};
  ASSERT_TRUE(stbi_write_bmp(dir.file("bitmap.png").c_str(), 2, 2, 3, pixels));
  auto message = error_message([&] { advlab::io::read_image_header(dir.file("bitmap.png")); });
  EXPECT_NE(message.find("bitmap.png: not a PNG or JPEG image"), std::string::npos) << message;
}
