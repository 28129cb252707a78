// `advlab data signs` writes the image-folder layout that `folder:DIR` reads, and rejects
// bad arguments with one line and exit status 2.
#include "advlab/data/load.h"
#include "advlab/data/synthetic_signs.h"
#include "support/cli_runner.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>

#include <filesystem>

using advlab::testing::run_cli;
using advlab::testing::ScratchDir;

TEST(DataSignsCommand, WritesAFolderThatTrainingDataLoads) {
  ScratchDir dir;
  const std::string out = dir.file("signs");
  auto run = run_cli("data signs --out " + out + " --train-per-class 3 --test-per-class 2 --size 24 --seed 4");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("speed-30"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("rendering signs"), std::string::npos) << run.err;  // progress line
  const auto& names = advlab::data::sign_class_names();
  for (const auto& name : names) {
    EXPECT_TRUE(std::filesystem::is_regular_file(out + "/train/" + name + "/00000.png")) << name;
    EXPECT_TRUE(std::filesystem::is_regular_file(out + "/test/" + name + "/00001.png")) << name;
  }
  auto train = advlab::data::load_dataset("folder:" + out + "/train");
  EXPECT_EQ(train.size(), 3 * static_cast<int64_t>(names.size()));
  EXPECT_EQ(train.images.sizes(), torch::IntArrayRef({train.size(), 3, 24, 24}));
  EXPECT_EQ(train.class_names, names);
  // Label c is the class whose folder the image came from.
  EXPECT_TRUE(torch::equal(train.labels, torch::arange(static_cast<int64_t>(names.size())).repeat_interleave(3)));
  EXPECT_TRUE(std::filesystem::is_regular_file(out + "/classes.txt"));
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
}

TEST(DataSignsCommand, BadArgumentsGiveOneLineErrors) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.file("exists"));
  const std::string out = " --out " + dir.file("new");
  for (std::string args : {std::string("data"), std::string("data signs"),
                           "data signs" + out + " --train-per-class 0", "data signs" + out + " --test-per-class -1",
                           "data signs" + out + " --size 4", "data signs" + out + " --size abc",
                           "data signs --out " + dir.file("exists")}) {
    auto run = run_cli(args);
    EXPECT_EQ(run.exit_code, 2) << args;
    EXPECT_EQ(run.err.rfind("advlab: error: ", 0), 0u) << args << ": " << run.err;
    EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << args << ": " << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("new")));
}
