#include "advlab/io/atomic_file.h"
#include "advlab/io/json_file.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>

#include <filesystem>

using advlab::testing::read_bytes;
using advlab::testing::ScratchDir;
using advlab::testing::write_bytes;

namespace {

size_t entries_in(const std::filesystem::path& dir) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++count;
  return count;
}

}  // namespace

TEST(AtomicFile, CreatesParentsAndReplacesContent) {
  ScratchDir dir;
  auto path = dir.file("a/b/c.txt");
  advlab::io::write_file_atomic(path, "first");
  EXPECT_EQ(read_bytes(path), "first");
  advlab::io::write_file_atomic(path, std::string("sec\0ond", 7));
  EXPECT_EQ(read_bytes(path), std::string("sec\0ond", 7));
  EXPECT_EQ(entries_in(dir.path() / "a" / "b"), 1u) << "no temporary files left behind";
}

TEST(AtomicFile, FailedWriteLeavesOldFileAndNoTemporaries) {
  ScratchDir dir;
  auto keep = dir.file("keep.txt");
  write_bytes(keep, "old content");
  // The target is a directory: the write must fail cleanly and touch nothing.
  std::filesystem::create_directories(dir.path() / "target_dir");
  EXPECT_THROW(advlab::io::write_file_atomic(dir.file("target_dir"), "new"), advlab::Error);
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "target_dir"));
  // A parent that is a regular file cannot become a directory.
  auto message = advlab::testing::error_message(
      [&] { advlab::io::write_file_atomic(dir.file("keep.txt/child.txt"), "new"); });
  EXPECT_NE(message.find("keep.txt"), std::string::npos) << message;
  EXPECT_EQ(read_bytes(keep), "old content");
  EXPECT_EQ(entries_in(dir.path()), 2u);
}

TEST(AtomicFile, UnwritableDirectoryKeepsOldFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  ScratchDir dir;
  auto path = dir.file("locked/data.txt");
  advlab::io::write_file_atomic(path, "old");
  std::filesystem::permissions(dir.path() / "locked", std::filesystem::perms::owner_read |
                                                          std::filesystem::perms::owner_exec);
  EXPECT_THROW(advlab::io::write_file_atomic(path, "new"), advlab::Error);
  std::filesystem::permissions(dir.path() / "locked", std::filesystem::perms::owner_all);
  EXPECT_EQ(read_bytes(path), "old");
}

TEST(JsonFile, RoundTripAndErrors) {
  ScratchDir dir;
  nlohmann::json value = {{"eps", 0.03}, {"attack", "pgd"}, {"steps", {1, 2, 3}}};
  advlab::io::write_json_atomic(dir.file("r/x.json"), value);
  EXPECT_EQ(advlab::io::read_json(dir.file("r/x.json")), value);
  write_bytes(dir.file("bad.json"), "{\"eps\": ");
  auto message =
      advlab::testing::error_message([&] { advlab::io::read_json(dir.file("bad.json")); });
  EXPECT_NE(message.find("bad.json"), std::string::npos) << message;
  EXPECT_THROW(advlab::io::read_json(dir.file("missing.json")), advlab::Error);
}
