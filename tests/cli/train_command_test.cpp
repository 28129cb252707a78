// `advlab train` rejects bad values with one line and exit status 2, before reading data.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace {

struct Run {
  int status;
  std::string output;  // stdout and stderr together
};

Run advlab(const std::string& args) {
  std::string command = std::string(ADVLAB_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  std::array<char, 256> buf;
  while (fgets(buf.data(), buf.size(), pipe)) output += buf.data();
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(TrainCommand, HelpListsArchitecturesAndDefaults) {
  auto run = advlab("train --help");
  EXPECT_EQ(run.status, 0);
  EXPECT_NE(run.output.find("resnet-small"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("--resume"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("fashion-mnist:train"), std::string::npos) << run.output;
}

TEST(TrainCommand, RejectsBadValuesWithOneLine) {
  for (const char* args : {"train --arch vgg", "train --epochs 0", "train --lr 0", "train --lr -1",
                           "train --batch-size 0"}) {
    auto run = advlab(args);
    EXPECT_EQ(run.status, 2) << args;
    EXPECT_EQ(run.output.rfind("advlab: error: ", 0), 0u) << args << ": " << run.output;
    EXPECT_EQ(run.output.find('\n'), run.output.size() - 1) << args << ": " << run.output;
  }
}

}  // namespace
