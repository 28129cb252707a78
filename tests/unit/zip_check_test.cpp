// verify_zip_checksums catches what LibTorch's reader lets through: damaged bytes inside
// a TorchScript archive.
#include "advlab/io/zip_check.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

namespace {

using advlab::testing::error_message;
using advlab::testing::read_bytes;
using advlab::testing::ScratchDir;
using advlab::testing::write_bytes;

// A module whose one parameter (64 KiB) fills most of the file.
std::string save_module(const ScratchDir& dir) {
  torch::jit::Module m("__torch__.advlab_test.Weights");
  m.register_parameter("w", torch::ones({128, 128}), false);
  m.define("def forward(self, x):\n    return x @ self.w\n");
  auto path = dir.file("model.pt");
  m.save(path);
  return path;
}

TEST(ZipCheck, IntactArchivePasses) {
  ScratchDir dir;
  EXPECT_NO_THROW(advlab::io::verify_zip_checksums(save_module(dir)));
}

TEST(ZipCheck, OverwrittenBytesNameTheFileAndTheRecord) {
  ScratchDir dir;
  auto path = save_module(dir);
  auto bytes = read_bytes(path);
  ASSERT_GT(bytes.size(), 4000u);
  bytes.replace(bytes.size() / 2 - 1000, 2000, std::string(2000, '\x7f'));
  write_bytes(path, bytes);
  // LibTorch alone loads this file without complaint.
  ASSERT_NO_THROW(torch::jit::load(path));
  auto message = error_message([&] { advlab::io::verify_zip_checksums(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("record '"), std::string::npos) << message;
  EXPECT_NE(message.find("/data/"), std::string::npos) << message;
  EXPECT_NE(message.find("CRC-32"), std::string::npos) << message;
}

TEST(ZipCheck, DamagedDirectoryIsAnError) {
  ScratchDir dir;
  auto path = save_module(dir);
  auto bytes = read_bytes(path);
  // The central directory sits just before the 22-byte end record (and zip64 records).
  auto at = bytes.rfind(std::string("PK\x01\x02", 4));
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'X';
  write_bytes(path, bytes);
  auto message = error_message([&] { advlab::io::verify_zip_checksums(path); });
  EXPECT_NE(message.find("damaged archive"), std::string::npos) << message;
}

TEST(ZipCheck, FilesThatAreNoZipAreLeftToTheLoader) {
  ScratchDir dir;
  write_bytes(dir.file("text.pt"), "this is not a zip archive");
  EXPECT_NO_THROW(advlab::io::verify_zip_checksums(dir.file("text.pt")));
}

}  // namespace
