// Result folders are replaced as a whole, and output paths are checked before any work.
#include "advlab/core/error.h"
#include "advlab/io/result_folder.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace {

namespace fs = std::filesystem;
using advlab::io::OutputKind;
using advlab::testing::error_message;
using advlab::testing::read_bytes;
using advlab::testing::ScratchDir;
using advlab::testing::write_bytes;

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ResultFolder, ReplacesTheOldResultAsAWhole) {
  ScratchDir scratch;
  auto dir = scratch.file("result");
  write_bytes(dir + "/metrics.json", "old");
  write_bytes(dir + "/grid.png", "old grid");
  advlab::io::write_result_folder(dir, "metrics.json", [](const std::string& staging) {
    write_bytes(staging + "/metrics.json", "new");
  });
  EXPECT_EQ(entries(dir), std::vector<std::string>{"metrics.json"});
  EXPECT_EQ(read_bytes(dir + "/metrics.json"), "new");
  EXPECT_EQ(entries(scratch.path()), std::vector<std::string>{"result"});  // no staging left
}

TEST(ResultFolder, AFailedWriteLeavesTheOldResultUntouched) {
  ScratchDir scratch;
  auto dir = scratch.file("result");
  write_bytes(dir + "/metrics.json", "old");
  write_bytes(dir + "/grid.png", "old grid");
  EXPECT_THROW(advlab::io::write_result_folder(dir, "metrics.json",
                                               [](const std::string& staging) {
                                                 write_bytes(staging + "/metrics.json", "new");
                                                 throw advlab::Error("disk full");
                                               }),
               advlab::Error);
  EXPECT_EQ(entries(dir), (std::vector<std::string>{"grid.png", "metrics.json"}));
  EXPECT_EQ(read_bytes(dir + "/metrics.json"), "old");
  EXPECT_EQ(entries(scratch.path()), std::vector<std::string>{"result"});
}

// The pid of a process that has exited (and been reaped), for staging names of dead writers.
pid_t dead_pid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

TEST(ResultFolder, StagingLeftByAKilledWriterIsRemovedAndAnOrphanedOldResultRestored) {
  ScratchDir scratch;
  auto dir = scratch.file("result");
  auto pid = std::to_string(dead_pid());
  write_bytes(dir + ".tmp-" + pid + "/metrics.json", "half written");
  // Killed between "old result away" and "new result in": only the old one is left.
  write_bytes(dir + ".old-" + pid + "/metrics.json", "old");
  EXPECT_THROW(advlab::io::write_result_folder(dir, "metrics.json",
                                               [](const std::string&) { throw advlab::Error("disk full"); }),
               advlab::Error);
  EXPECT_EQ(entries(scratch.path()), std::vector<std::string>{"result"});
  EXPECT_EQ(read_bytes(dir + "/metrics.json"), "old");
  // A live writer's staging folder is left alone.
  auto live = dir + ".tmp-" + std::to_string(getppid());
  write_bytes(live + "/metrics.json", "in progress");
  advlab::io::write_result_folder(dir, "metrics.json", [](const std::string& staging) {
    write_bytes(staging + "/metrics.json", "new");
  });
  EXPECT_EQ(read_bytes(dir + "/metrics.json"), "new");
  EXPECT_TRUE(fs::exists(live + "/metrics.json"));
}

TEST(ResultFolder, CreatesANewFolderAndItsParents) {
  ScratchDir scratch;
  auto dir = scratch.file("a/b/result/");
  advlab::io::write_result_folder(dir, "metrics.json",
                                  [](const std::string& staging) { write_bytes(staging + "/metrics.json", "new"); });
  EXPECT_EQ(read_bytes(scratch.file("a/b/result/metrics.json")), "new");
}

TEST(ResultFolder, AFolderOfOtherThingsIsNotReplaced) {
  ScratchDir scratch;
  write_bytes(scratch.file("notes.txt"), "mine");
  auto message = error_message([&] {
    advlab::io::write_result_folder(scratch.path().string(), "metrics.json", [](const std::string&) {});
  });
  EXPECT_NE(message.find("not an earlier result"), std::string::npos) << message;
  EXPECT_EQ(read_bytes(scratch.file("notes.txt")), "mine");
}

TEST(OutputPath, EmptyRootAndWrongKindsAreRefused) {
  ScratchDir scratch;
  write_bytes(scratch.file("file"), "x");
  auto check = [](const std::string& path, OutputKind kind) {
    return error_message([&] { advlab::io::check_output_path(path, kind); });
  };
  EXPECT_NE(check("", OutputKind::folder).find("empty"), std::string::npos);
  EXPECT_NE(check("/", OutputKind::folder).find("root"), std::string::npos);
  EXPECT_NE(check("/tmp/..", OutputKind::file).find("root"), std::string::npos);
  EXPECT_NE(check(scratch.file("file"), OutputKind::folder).find("not a folder"), std::string::npos);
  EXPECT_NE(check(scratch.path().string(), OutputKind::file).find("is a folder"), std::string::npos);
  EXPECT_NE(check(scratch.file("file/below"), OutputKind::file).find("is not a folder"), std::string::npos);
  EXPECT_NO_THROW(advlab::io::check_output_path(scratch.file("new/deeper/model.pt"), OutputKind::file));
}

}  // namespace
