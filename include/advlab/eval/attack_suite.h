#pragma once
// Named lists of attacks for `advlab eval`:
//   standard       apgd-ce, apgd-t, fab-t, square with AutoAttack's budgets (Croce & Hein
//                  2020, version 'standard'): APGD 100 iterations, APGD-T and FAB-T 9
//                  target classes, FAB-T 100 iterations, Square 5000 queries; at L1 its
//                  L1 recipe: APGD-CE 5 runs, APGD-T 5 targets, both through wider balls
//                  first (large_eps), and the L1 Square
//   standard-fast  the same attacks at cheaper budgets: FAB-T 20 iterations, Square at
//                  the --queries given (1000 by default)
//   rapid          apgd-ce, then apgd-t towards the 3 nearest classes by MALT's linearised
//                  distance (Melamed et al. 2024): a fraction of `standard`'s passes
//   quick          fgsm, pgd
//   full      every registered attack that supports the norm (white-box first)
//   a,b,c     exactly these
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace advlab::eval {

// Attack names of `suite` that run under `norm`; named lists keep only the attacks that
// support the norm, an explicit list must fit it. Throws advlab::Error for an unknown
// suite or attack, an attack without the norm, or an empty result.
std::vector<std::string> resolve_suite(const std::string& suite, const std::string& norm);

// The options a named suite sets for its attacks (attack -> key -> value), beneath what
// the user sets with --set; `queries` is the black-box budget the suite implies (0 = the
// caller's). Some suites differ by `norm` (AutoAttack's L1 recipe).
struct SuiteBudgets {
  std::map<std::string, std::map<std::string, std::string>> attack_options;
  int64_t queries = 0;
};
SuiteBudgets suite_budgets(const std::string& suite, const std::string& norm = "linf");

// Puts the suite's budgets beneath what the caller set, for the attacks of `attacks`: an
// option the caller gave (under its name or an alias) wins, and the suite's query budget
// replaces `queries` unless `queries_given`. The command line and Python share it, so a
// named suite means the same budgets in both.
void merge_suite_budgets(const std::string& suite, const std::string& norm, const std::vector<std::string>& attacks,
                         std::map<std::string, std::map<std::string, std::string>>& attack_options, int64_t& queries,
                         bool queries_given);

}  // namespace advlab::eval
