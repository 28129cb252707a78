#include "support/attack_fixtures.h"

namespace advlab::testing {

std::map<std::string, std::string> attack_fixture_options(const std::string& attack) {
  (void)attack;
  return {};
}

}  // namespace advlab::testing
