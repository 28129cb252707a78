#include "support/attack_fixtures.h"

#include "support/pca_generator.h"

namespace advlab::testing {

std::map<std::string, std::string> attack_fixture_options(const std::string& attack) {
  if (attack == "natural")
    return {{"generator", fashion_pca().generator_path}, {"inverter", fashion_pca().inverter_path}};
  return {};
}

}  // namespace advlab::testing
