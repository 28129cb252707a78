#include "advlab/io/unpickle.h"
#include "advlab/io/tensor_file.h"
#include "support/scratch_dir.h"

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <sstream>

#include <string>

namespace {

// The input fuzz_tensor_file found: a tensor file whose zip64 directory points LibTorch's
// zip reader past the end of the bytes (it read out of bounds and crashed).
const char kDamagedArchiveHex[] =
    "504b0304000000080000000000000000000000000000000000000e001400617263686976652f646174612f3046421000"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a504b030400000808000000000000000000000000000000000000100012006172"
    "63686976652f646174612e706b6c46420e005a5a5a5a5a5a5a5a5a5a5a5a5a5a800263746f7263682e6a69742e5f7069"
    "636b6c650a726573746f72655f747970655f7461670a71007d285805000000656d707479710163746f7263682e5f7574"
    "696c730a5f72656275696c645f74656e736f725f76320a71022828580700000073746f72616765710363746f7263680a"
    "466c6f617453746f726167650a71045801000000307105580300000063707571064b00745171074b00284b0074284b01"
    "748963636f6c6c656374696f6e730a4f726465726564446963740a710829527452755811000000446963745b7374722c"
    "2054656e736f725d71098652710a2e504b070894b5ca87df000000df000000504b030400000808000000000000000000"
    "0000000000000000000f002400617263686976652f76657273696f6e464220005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a330a504b0708d19e67550200000002000000504b010200000000000800000000"
    "00000000000000000000000000000e0000000000000000000000000000000000617263686976652f646174612f30504b"
    "0102000000000808000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffff00000094b5ca87df000000df000000100000000000000000000000000040000000617263686976652f646174612e"
    "706b6c504b0102000000000808000000000000d19e675502000000020000000f000000000000000000000000006f0100"
    "00617263686976652f76657273696f6e504b06062c000000000000001e032d0000000000000000000300000000000000"
    "0300000000000000b700000000000000d201000000000000504b060700000000890200000000000001000000504b0506"
    "0000000003000300b7000000d20100000000";

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

}  // namespace

TEST(TensorFile, DamagedZipDirectoryIsAOneLineError) {
  advlab::testing::ScratchDir dir;
  advlab::testing::write_bytes(dir.file("damaged.pt"), from_hex(kDamagedArchiveHex));
  auto message =
      advlab::testing::error_message([&] { advlab::io::load_tensors(dir.file("damaged.pt")); });
  EXPECT_NE(message.find("damaged.pt: "), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

namespace {

// A tensor whose sizes claim more elements than its storage holds, as a damaged or
// crafted file unpickles to (LibTorch's unpickler does not check): 3 bytes stored, 264
// claimed. set_sizes_contiguous is the one way to build it, since every checked API
// refuses.
torch::Tensor overreaching_tensor() {
  auto t = torch::zeros({3}, torch::kUInt8);
  t.unsafeGetTensorImpl()->set_sizes_contiguous({264});
  return t;
}

}  // namespace

TEST(Unpickle, KnowsWhichTensorsFitTheirStorage) {
  using advlab::io::fits_bytes;
  auto fits_storage = [](const torch::Tensor& t) { return fits_bytes(t, t.defined() && t.has_storage() ? t.storage().nbytes() : 0); };
  EXPECT_TRUE(fits_storage(torch::Tensor()));
  EXPECT_TRUE(fits_storage(torch::zeros({0, 5})));
  EXPECT_TRUE(fits_storage(torch::zeros({4, 5})));
  EXPECT_TRUE(fits_storage(torch::zeros({4, 5}).t()));
  EXPECT_TRUE(fits_storage(torch::zeros({4, 5}).slice(0, 2)));  // offset 10, 10 elements
  EXPECT_TRUE(fits_storage(torch::zeros({1}).expand({7, 3})));   // stride 0 reads one element
  EXPECT_FALSE(fits_storage(overreaching_tensor()));
  auto shifted = torch::zeros({6});
  shifted.unsafeGetTensorImpl()->set_storage_offset(4);
  shifted.unsafeGetTensorImpl()->set_sizes_contiguous({3});  // elements 4..6 of 6
  EXPECT_FALSE(fits_storage(shifted));
  shifted.unsafeGetTensorImpl()->set_sizes_contiguous({2});  // elements 4..5
  EXPECT_TRUE(fits_storage(shifted));
}

// What fuzz_evaluation_state found: an eval state whose pickle gave its 'meta' storage
// 264 elements while the record holding them had 3 bytes; LibTorch's unpickler took the
// count, and reading the record as text copied 264 bytes out of a 3-byte buffer.
TEST(TensorFile, StorageLongerThanItsRecordIsAOneLineError) {
  advlab::testing::ScratchDir dir;
  c10::Dict<std::string, at::Tensor> dict;
  dict.insert("meta", torch::full({264}, 'x', torch::kUInt8));
  auto saved = torch::pickle_save(c10::IValue(dict));
  // The same archive with every record copied but the storage's, cut to 3 bytes.
  std::istringstream in(std::string(saved.begin(), saved.end()));
  caffe2::serialize::PyTorchStreamReader reader(&in);
  std::string damaged;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t n) {
      damaged.append(static_cast<const char*>(data), n);
      return n;
    });
    for (const auto& name : reader.getAllRecords()) {
      if (name != "data.pkl" && name.rfind("data/", 0) != 0) continue;
      auto [data, size] = reader.getRecord(name);
      writer.writeRecord(name, data.get(), name == "data.pkl" ? size : 3);
    }
    writer.writeEndOfFile();
  }
  advlab::testing::write_bytes(dir.file("short.pt"), damaged);
  auto message = advlab::testing::error_message([&] { advlab::io::load_tensors(dir.file("short.pt")); });
  EXPECT_NE(message.find("short.pt: damaged tensor file (a tensor of shape [264] reaches past its 3 stored bytes)"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

// The same damage with the storage and its record agreeing but the sizes overreaching.
TEST(TensorFile, TensorReachingPastItsStorageIsAOneLineError) {
  advlab::testing::ScratchDir dir;
  advlab::io::save_tensors(dir.file("over.pt"), {{"meta", overreaching_tensor()}});
  auto message = advlab::testing::error_message([&] { advlab::io::load_tensors(dir.file("over.pt")); });
  // LibTorch 1.13 builds the tensor and our check refuses it; newer ones refuse it
  // themselves ("... storage only has 3 bytes"), reported as not a tensor file.
  EXPECT_NE(message.find("over.pt: "), std::string::npos) << message;
  EXPECT_TRUE(message.find("a tensor of shape [264] reaches past its 3 stored bytes") != std::string::npos ||
              message.find("storage only has 3 bytes") != std::string::npos)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}
