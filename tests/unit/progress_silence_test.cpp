// silence_progress: once a fatal error is about to be printed from another thread (the
// distributed heartbeat's lost rank), no progress line follows it. Process-wide and
// final, so each case runs in a child process (a death test) and leaves this one alone.
#include "advlab/core/log_format.h"
#include "advlab/core/progress.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>

namespace advlab {
namespace {

TEST(ProgressSilenceDeathTest, NoProgressLineFollowsTheError) {
  EXPECT_EXIT(
      {
        set_log_format(LogFormat::kPlain);
        ProgressLine line(&std::cerr, "work", 10);
        line.finish("first");
        silence_progress();
        std::fprintf(stderr, "advlab: error: boom\n");
        ProgressLine later(&std::cerr, "more", 10);
        later.finish("second");
        line.finish("third");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "first\nadvlab: error: boom\n$");
}

TEST(ProgressSilenceDeathTest, AnOpenTerminalLineIsEndedFirst) {
  EXPECT_EXIT(
      {
        set_log_format(LogFormat::kTerminal);
        ProgressLine line(&std::cerr, "work", 10);
        line.update(0, "");  // never due at once; draw a line without its newline:
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        line.update(3, "drawn");
        silence_progress();
        std::fprintf(stderr, "advlab: error: boom\n");
        line.finish("third");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "drawn.\\[K\nadvlab: error: boom\n$");
}

}  // namespace
}  // namespace advlab
