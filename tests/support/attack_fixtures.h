#pragma once
// Extra options some attacks need before they can run at all (a trained generator, an
// inverter), so the conformance suite can test them like every other attack. Each
// fixture is built once and cached in the test cache, like the trained CNN.
#include <map>
#include <string>

namespace advlab::testing {

// Options to add to an attack's conformance case for `norm`; empty for attacks that need none.
std::map<std::string, std::string> attack_fixture_options(const std::string& attack,
                                                          const std::string& norm = "linf");

// An AdvGAN generator trained briefly against fashion_cnn() (untargeted; L-inf eps 0.1 or
// L2 eps 1.5, the conformance budgets); returns the cached file.
std::string advgan_fixture_generator(const std::string& norm);

}  // namespace advlab::testing
