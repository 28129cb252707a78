// verify_zip_checksums catches what LibTorch's reader lets through: damaged bytes inside
// a TorchScript archive.
#include "advlab/io/zip_check.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <malloc.h>
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

// One deflated record whose directory entry claims more compressed bytes than the file has.
std::string deflated_record_past_the_end() {
  auto le = [](uint64_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
    return out;
  };
  const std::string name = "r", data = "\x03\x00";  // an empty deflate stream
  std::string local = le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(8, 2) + le(0, 8) +
                      le(0, 4) + le(0, 4) + le(name.size(), 2) + le(0, 2) + name + data;
  // signature, versions, flags, method, time+date+crc, sizes (1 MiB claimed), name length,
  // extra+comment+disk+internal attributes, external attributes, local header offset
  std::string central = le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(8, 2) +
                        le(0, 8) + le(1 << 20, 4) + le(0, 4) + le(name.size(), 2) + le(0, 8) +
                        le(0, 4) + le(0, 4) + name;
  std::string end = le(0x06054b50, 4) + le(0, 4) + le(1, 2) + le(1, 2) + le(central.size(), 4) +
                    le(local.size(), 4) + le(0, 2);
  return local + central + end;
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

// Found by fuzz_checkpoint: one byte of a code record's name changed in the central
// directory. The CRCs still match, and LibTorch's loader threw torch::jit::ErrorReport
// ("Unknown type name"), which is no c10::Error and escaped the loaders' catch.
TEST(ZipCheck, ARecordNamedDifferentlyInTheDirectoryIsAnError) {
  ScratchDir dir;
  auto path = save_module(dir);
  auto bytes = read_bytes(path);
  // The first code record's name inside the central directory.
  auto at = bytes.find("code/__torch__", bytes.find(std::string("PK\x01\x02", 4)));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1] = 'x';
  write_bytes(path, bytes);
  auto message = error_message([&] { advlab::io::verify_zip_checksums(path); });
  EXPECT_NE(message.find("named differently in its local header"), std::string::npos) << message;
  EXPECT_NE(message.find("cxde/__torch__"), std::string::npos) << message;
}

TEST(ZipCheck, FilesThatAreNoZipAreLeftToTheLoader) {
  ScratchDir dir;
  write_bytes(dir.file("text.pt"), "this is not a zip archive");
  EXPECT_NO_THROW(advlab::io::verify_zip_checksums(dir.file("text.pt")));
}

}  // namespace

// Found by fuzz_checkpoint (LeakSanitizer): the error thrown for a record past the end of
// the file left zlib's inflate state (7 KiB) allocated, once per damaged file.
TEST(ZipCheck, DamagedDeflatedRecordFreesItsInflater) {
  ScratchDir dir;
  write_bytes(dir.file("past_end.zip"), deflated_record_past_the_end());
  auto message = error_message([&] { advlab::io::verify_zip_checksums(dir.file("past_end.zip")); });
  EXPECT_NE(message.find("past_end.zip: damaged archive"), std::string::npos) << message;
  const size_t before = mallinfo2().uordblks;
  for (int i = 0; i < 200; ++i) {
    try {
      advlab::io::verify_zip_checksums(dir.file("past_end.zip"));
    } catch (const advlab::Error&) {
    }
  }
  const size_t after = mallinfo2().uordblks;
  EXPECT_LT(after, before + 200 * 1024) << "heap grew by " << (after - before) << " bytes";
}
