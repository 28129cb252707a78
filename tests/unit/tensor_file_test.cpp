#include "advlab/io/tensor_file.h"
#include "support/scratch_dir.h"

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>

using advlab::testing::ScratchDir;

namespace {

bool python_has_torch() {
  return std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
}

advlab::io::NamedTensors sample_tensors() {
  return {{"images", torch::arange(24, torch::kFloat32).reshape({2, 3, 4}).div(7)},
          {"labels", torch::tensor({3, 1}, torch::kInt64)},
          // A non-contiguous view must be saved as its values, not its storage.
          {"transposed", torch::arange(6, torch::kFloat64).reshape({2, 3}).t()}};
}

// A tensor-file archive holding only the given pickle as data.pkl (no tensor records).
void write_pickle_archive(const std::string& path, const std::string& pickle) {
  std::string archive;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t size) {
    archive.append(static_cast<const char*>(data), size);
    return size;
  });
  writer.writeRecord("data.pkl", pickle.data(), pickle.size());
  writer.writeEndOfFile();
  advlab::testing::write_bytes(path, archive);
}

}  // namespace

TEST(TensorFile, RoundTripKeepsNamesOrderAndValues) {
  ScratchDir dir;
  auto path = dir.file("nested/out.pt");
  auto saved = sample_tensors();
  advlab::io::save_tensors(path, saved);
  auto loaded = advlab::io::load_tensors(path);
  ASSERT_EQ(loaded.size(), saved.size());
  for (size_t i = 0; i < saved.size(); ++i) {
    EXPECT_EQ(loaded[i].first, saved[i].first);
    EXPECT_EQ(loaded[i].second.dtype(), saved[i].second.dtype());
    EXPECT_TRUE(torch::equal(loaded[i].second, saved[i].second)) << saved[i].first;
  }
}

TEST(TensorFile, RejectsGarbageAndDuplicates) {
  ScratchDir dir;
  advlab::testing::write_bytes(dir.file("junk.pt"), "definitely not a pickle");
  auto message =
      advlab::testing::error_message([&] { advlab::io::load_tensors(dir.file("junk.pt")); });
  EXPECT_NE(message.find("junk.pt"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_THROW(advlab::io::load_tensors(dir.file("missing.pt")), advlab::Error);
  EXPECT_THROW(advlab::io::save_tensors(dir.file("dup.pt"),
                                        {{"x", torch::ones({1})}, {"x", torch::ones({1})}}),
               advlab::Error);
}

TEST(TensorFile, ReadableByPythonTorchLoad) {
  if (!python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  ScratchDir dir;
  auto path = dir.file("for_python.pt");
  advlab::io::save_tensors(path, sample_tensors());
  std::string script =
      "import torch, sys\n"
      "d = torch.load(sys.argv[1])\n"
      "assert isinstance(d, dict), type(d)\n"
      "assert list(d) == ['images', 'labels', 'transposed'], list(d)\n"
      "assert torch.equal(d['images'], torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / "
      "7)\n"
      "assert d['labels'].tolist() == [3, 1]\n"
      "assert d['transposed'].dtype == torch.float64\n"
      "assert d['transposed'].tolist() == [[0, 3], [1, 4], [2, 5]]\n";
  advlab::testing::write_bytes(dir.file("check.py"), script);
  std::string command = "/usr/bin/python3 " + dir.file("check.py") + " " + path;
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

TEST(TensorFile, ReadsDictWrittenByPythonTorchSave) {
  if (!python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  ScratchDir dir;
  auto path = dir.file("from_python.pt");
  std::string command =
      "/usr/bin/python3 -c \"import torch, sys; torch.save({'w': "
      "torch.tensor([[1.5, -2.0]]), 'n': torch.tensor([7])}, sys.argv[1])\" " +
      path;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  auto loaded = advlab::io::load_tensors(path);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].first, "w");
  EXPECT_TRUE(torch::equal(loaded[0].second, torch::tensor({{1.5f, -2.0f}})));
  EXPECT_EQ(loaded[1].first, "n");
  EXPECT_EQ(loaded[1].second.item<int64_t>(), 7);
}

// Found by fuzz_evaluation_state: LibTorch's unpickler answers a memo index past its table
// (BINGET 40 on an empty memo) with std::out_of_range, not c10::Error.
TEST(TensorFile, PickleReadingPastItsMemoIsAOneLineError) {
  ScratchDir dir;
  write_pickle_archive(dir.file("memo.pt"), "\x80\x02h\x28.");  // PROTO 2, BINGET 40, STOP
  auto message =
      advlab::testing::error_message([&] { advlab::io::load_tensors(dir.file("memo.pt")); });
  EXPECT_NE(message.find("memo.pt: not a tensor file"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

// Also found by fuzzing: a memo index or a string length far beyond the pickle makes
// LibTorch's unpickler allocate for it first (LONG_BINPUT 1701405793: 27 GB of memo
// slots), so the opcodes are walked before it runs.
TEST(TensorFile, PickleNamingHugeSizesOrAShortStackIsAOneLineError) {
  ScratchDir dir;
  // Writes the pickle as a tensor file and expects load_tensors' one-line error to hold
  // "<name>: damaged tensor file (<what>".
  auto expect_damage = [&](const std::string& name, const std::string& pickle, const std::string& what) {
    write_pickle_archive(dir.file(name), pickle);
    auto message = advlab::testing::error_message([&] { advlab::io::load_tensors(dir.file(name)); });
    EXPECT_NE(message.find(name + ": damaged tensor file (" + what), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  };
  // PROTO 2, NONE, LONG_BINPUT 0x65696461, STOP
  expect_damage("memo.pt", std::string("\x80\x02Nr\x61\x64\x69\x65.", 9),
                "pickle opcode 0x72 at byte 3: memo index 1701405793");
  // PROTO 2, BINUNICODE of 0xfffffff0 bytes, STOP
  expect_damage("text.pt", std::string("\x80\x02X\xf0\xff\xff\xff.", 8),
                "pickle opcode 0x58 at byte 2: a length of 4294967280 bytes");
  // PROTO 2, NONE, TUPLE3, STOP: LibTorch would take three values from a stack of one
  // (fuzz_evaluation_state: a bad free when the unpickler was destroyed).
  expect_damage("stack.pt", std::string("\x80\x02N\x87.", 5),
                "pickle opcode 0x87 at byte 3: takes more values than the stack holds)");
  // PROTO 2, EMPTY_LIST, APPENDS without a mark, STOP
  expect_damage("mark.pt", std::string("\x80\x02]e.", 5), "pickle opcode 0x65 at byte 3: no mark to pop to)");
}
