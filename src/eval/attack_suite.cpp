#include "advlab/eval/attack_suite.h"

#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"

#include <algorithm>
#include <sstream>

namespace advlab::eval {

namespace {

bool supports(const AttackSpec& spec, const std::string& norm) {
  return std::find(spec.norms.begin(), spec.norms.end(), norm) != spec.norms.end();
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

std::vector<std::string> resolve_suite(const std::string& suite, const std::string& norm) {
  std::vector<std::string> names;
  if (suite == "standard" || suite == "standard-fast" || suite == "rapid" || suite == "quick") {
    std::vector<std::string> wanted = suite == "quick"   ? std::vector<std::string>{"fgsm", "pgd"}
                                      : suite == "rapid" ? std::vector<std::string>{"apgd-ce", "apgd-t"}
                                                         : std::vector<std::string>{"apgd-ce", "apgd-t", "fab-t", "square"};
    for (const auto& name : wanted)
      if (supports(find_attack(name), norm)) names.push_back(name);
  } else if (suite == "full") {
    // White-box attacks first: the cheap, strong ones break most samples before the
    // query-hungry black-box attacks run.
    for (const char* family : {"white-box", "black-box"})
      for (const auto& spec : attack_registry())
        if (spec.family == family && spec.required_options.empty() && supports(spec, norm))
          names.push_back(spec.name);
  } else {
    for (const auto& name : split_list(suite)) {
      ADVLAB_CHECK(supports(find_attack(name), norm), "attack '", name, "' does not support norm '", norm, "'");
      names.push_back(name);
    }
  }
  ADVLAB_CHECK(!names.empty(), "suite '", suite, "' has no attack for norm '", norm, "'");
  return names;
}

SuiteBudgets suite_budgets(const std::string& suite, const std::string& norm) {
  SuiteBudgets b;
  if (suite == "standard") {  // AutoAttack's own settings, so its robust accuracy is the bar
    b.attack_options["fab-t"]["steps"] = "100";
    b.queries = 5000;
    if (norm == "l1") {  // its L1 recipe: five APGD-CE runs, APGD-T on five targets
      b.attack_options["apgd-ce"]["restarts"] = "5";
      b.attack_options["apgd-t"]["target_classes"] = "5";
    }
  } else if (suite == "standard-fast") {  // the cheaper preset: a fifth of FAB-T's iterations
    b.attack_options["fab-t"]["steps"] = "20";
  } else if (suite == "rapid") {  // MALT's recipe: APGD-T towards the few nearest classes only
    b.attack_options["apgd-t"]["target_order"] = "malt";
    b.attack_options["apgd-t"]["target_classes"] = "3";
  }
  return b;
}

void merge_suite_budgets(const std::string& suite, const std::string& norm, const std::vector<std::string>& attacks,
                         std::map<std::string, std::map<std::string, std::string>>& attack_options, int64_t& queries,
                         bool queries_given) {
  auto budgets = suite_budgets(suite, norm);
  if (budgets.queries > 0 && !queries_given) queries = budgets.queries;
  for (const auto& [attack, settings] : budgets.attack_options) {
    if (std::find(attacks.begin(), attacks.end(), attack) == attacks.end()) continue;
    auto& given = attack_options[attack];
    for (const auto& [key, value] : settings) {
      bool set_by_user = given.count(key) > 0;  // under its name or an older one
      if (const auto* row = find_attack(attack).param(key))
        for (const auto& alias : row->aliases) set_by_user = set_by_user || given.count(alias) > 0;
      if (!set_by_user) given[key] = value;
    }
    if (given.empty()) attack_options.erase(attack);
  }
}

}  // namespace advlab::eval
