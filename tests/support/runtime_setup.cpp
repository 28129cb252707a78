// Tests run with the same process settings as the command line (threads, malloc).
#include "advlab/core/threads.h"

#include <gtest/gtest.h>

namespace {

class RuntimeEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { advlab::configure_runtime(); }
};

const auto* const kRuntime = ::testing::AddGlobalTestEnvironment(new RuntimeEnvironment);

}  // namespace
