// Integer options read through the parameter tables: exact values, and no undefined cast
// for numbers beyond int64 (found by fuzz_set_values: --set steps=5e40).
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>

namespace advlab {
namespace {

TEST(ParamTableIntegers, AreReadExactly) {
  auto params = make_attack("pgd", {{"eps", "0.1"}, {"steps", "40"}, {"restarts", "1e3"}})->params();
  EXPECT_EQ(params["steps"], 40);
  EXPECT_EQ(params["restarts"], 1000);
}

TEST(ParamTableIntegers, BeyondInt64IsAnError) {
  for (const char* value : {"5e40", "-5e40", "inf", "9223372036854775808", "2.5"}) {
    auto message = testing::error_message([&] { make_attack("pgd", {{"eps", "0.1"}, {"steps", value}}); });
    EXPECT_NE(message.find("pgd: option 'steps'"), std::string::npos) << value << ": " << message;
  }
}

}  // namespace
}  // namespace advlab
