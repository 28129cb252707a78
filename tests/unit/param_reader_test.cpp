#include "advlab/attacks/param_reader.h"
#include "advlab/core/error.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>

using advlab::ParamReader;
using advlab::testing::error_message;

TEST(ParamReader, IntegersAreReadExactly) {
  ParamReader reader("pgd", {{"steps", "40"}, {"restarts", "1e3"}});
  EXPECT_EQ(reader.get_int("steps", 1), 40);
  EXPECT_EQ(reader.get_int("restarts", 1), 1000);
  EXPECT_EQ(reader.get_int("absent", 7), 7);
}

// Found by fuzz_set_values: --set steps=5e40 was cast to int64 (undefined behaviour).
TEST(ParamReader, IntegerBeyondInt64IsAnError) {
  for (const char* value : {"5e40", "-5e40", "inf", "9223372036854775808"}) {
    ParamReader reader("pgd", {{"steps", value}});
    auto message = error_message([&] { reader.get_int("steps", 1); });
    EXPECT_NE(message.find("pgd: option 'steps' is out of range"), std::string::npos)
        << value << ": " << message;
  }
}
