#include "advlab/data/load.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using advlab::testing::error_message;
using advlab::testing::ScratchDir;
using advlab::testing::write_bytes;

namespace {

constexpr int kRecord = 3073;

// Record i has label i % 10 and pixel p = (i + p) % 256, so every byte is checkable.
std::string cifar_batch(int first, int count) {
  std::string bytes;
  for (int i = first; i < first + count; ++i) {
    bytes += static_cast<char>(i % 10);
    for (int p = 0; p < 3072; ++p) bytes += static_cast<char>((i + p) % 256);
  }
  return bytes;
}

torch::Tensor expected_image(int i) {
  return torch::arange(3072, torch::kInt64).add(i).remainder(256).reshape({3, 32, 32});
}

}  // namespace

TEST(Cifar10Reader, TestSplitRoundTrip) {
  ScratchDir dir;
  write_bytes(dir.file("test_batch.bin"), cifar_batch(0, 3));
  auto d = advlab::data::load_dataset("cifar10:" + dir.path().string() + ":test");
  ASSERT_EQ(d.images.sizes(), torch::IntArrayRef({3, 3, 32, 32}));
  EXPECT_TRUE(torch::equal(d.labels, torch::tensor({0, 1, 2}, torch::kInt64)));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(torch::equal(d.images[i].mul(255).round().to(torch::kInt64), expected_image(i)));
  }
  EXPECT_EQ(d.num_classes, 10);
  ASSERT_EQ(d.class_names.size(), 10u);
  EXPECT_EQ(d.class_names[0], "airplane");
  EXPECT_EQ(d.class_names[9], "truck");
}

TEST(Cifar10Reader, TrainSplitConcatenatesFiveBatchesAndReadsMeta) {
  ScratchDir dir;
  for (int b = 1; b <= 5; ++b) {
    write_bytes(dir.file("data_batch_" + std::to_string(b) + ".bin"), cifar_batch(2 * (b - 1), 2));
  }
  write_bytes(dir.file("batches.meta.txt"), "c0\nc1\nc2\nc3\nc4\nc5\nc6\nc7\nc8\nc9\n\n");
  auto d = advlab::data::load_cifar10(dir.path().string(), true);
  ASSERT_EQ(d.size(), 10);
  EXPECT_TRUE(torch::equal(d.labels, torch::arange(10, torch::kInt64)));
  EXPECT_TRUE(torch::equal(d.images[7].mul(255).round().to(torch::kInt64), expected_image(7)));
  EXPECT_EQ(d.class_names[3], "c3");
}

// The same format for another task: the meta file's names set the class count.
TEST(Cifar10Reader, MetaFileWithFewerNamesSetsTheClassCount) {
  ScratchDir dir;
  write_bytes(dir.file("test_batch.bin"), cifar_batch(0, 8));
  write_bytes(dir.file("batches.meta.txt"), "keep-right\nno-entry\npriority\nspeed-30\nspeed-50\nspeed-80\nstop\nyield\n");
  auto d = advlab::data::load_cifar10(dir.path().string(), false);
  EXPECT_EQ(d.num_classes, 8);
  EXPECT_EQ(d.class_names[6], "stop");
  EXPECT_TRUE(torch::equal(d.labels, torch::arange(8, torch::kInt64)));

  write_bytes(dir.file("test_batch.bin"), cifar_batch(0, 9));  // label 8 has no name
  auto message = error_message([&] { advlab::data::load_cifar10(dir.path().string(), false); });
  EXPECT_NE(message.find("label 8, expected 0..7"), std::string::npos) << message;
  write_bytes(dir.file("batches.meta.txt"), "only\n");
  message = error_message([&] { advlab::data::load_cifar10(dir.path().string(), false); });
  EXPECT_NE(message.find("2 to 256 class names"), std::string::npos) << message;
}

TEST(Cifar10Reader, RejectsBadSizeMissingBatchAndBadLabel) {
  ScratchDir dir;
  write_bytes(dir.file("test_batch.bin"), cifar_batch(0, 2) + "xyz");
  auto message = error_message([&] { advlab::data::load_cifar10(dir.path().string(), false); });
  EXPECT_NE(message.find("test_batch.bin"), std::string::npos) << message;
  EXPECT_NE(message.find("3073"), std::string::npos) << message;

  message = error_message([&] { advlab::data::load_cifar10(dir.path().string(), true); });
  EXPECT_NE(message.find("data_batch_1.bin"), std::string::npos) << message;

  std::string bad = cifar_batch(0, 1);
  bad[0] = 42;
  write_bytes(dir.file("test_batch.bin"), bad);
  message = error_message([&] { advlab::data::load_cifar10(dir.path().string(), false); });
  EXPECT_NE(message.find("label 42"), std::string::npos) << message;

  EXPECT_THROW(advlab::data::load_dataset("cifar10:" + dir.path().string() + ":dev"),
               advlab::Error);
}
