#pragma once
// Named lists of attacks for `advlab eval`:
//   standard  apgd-ce, apgd-t, fab-t, square  (the AutoAttack recipe)
//   quick     fgsm, pgd
//   full      every registered attack that supports the norm (white-box first)
//   a,b,c     exactly these
#include <string>
#include <vector>

namespace advlab::eval {

// Attack names of `suite` that run under `norm`; named lists keep only the attacks that
// support the norm, an explicit list must fit it. Throws advlab::Error for an unknown
// suite or attack, an attack without the norm, or an empty result.
std::vector<std::string> resolve_suite(const std::string& suite, const std::string& norm);

}  // namespace advlab::eval
