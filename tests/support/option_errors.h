#pragma once
// Checks that an attack refuses bad options with an error that names the problem.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace advlab::testing {

// make_attack(attack, options) must throw advlab::Error whose message contains `needle`.
inline void expect_attack_rejects(const std::string& attack, const std::map<std::string, std::string>& options,
                                  const std::string& needle) {
  try {
    make_attack(attack, options);
    ADD_FAILURE() << attack << " accepted bad " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace advlab::testing
