#pragma once
// Extra options some attacks need before they can run at all (a trained generator, an
// inverter), so the conformance suite can test them like every other attack. Each
// fixture is built once and cached in the test cache, like the trained CNN.
#include <map>
#include <string>

namespace advlab::testing {

// Options to add to an attack's conformance case; empty for attacks that need none.
std::map<std::string, std::string> attack_fixture_options(const std::string& attack);

}  // namespace advlab::testing
