#include "advlab/attacks/registry.h"

#include "advlab/attacks/gradient/apgd.h"
#include "advlab/attacks/gradient/fgsm.h"
#include "advlab/attacks/gradient/fmn.h"
#include "advlab/attacks/gradient/pgd.h"
#include "advlab/core/error.h"

namespace advlab {

const std::vector<AttackSpec>& attack_registry() {
  static const std::vector<AttackSpec> registry = {
      {"fgsm", "Fast Gradient Sign Method: one step of size eps along the normalised gradient",
       "white-box", {"linf", "l2", "l1"}, true, false,
       [](ParamReader& p) { return std::make_unique<Fgsm>(FgsmOptions::from_params(p)); }},
      {"pgd", "Projected Gradient Descent with random start and restarts (Madry et al. 2018)",
       "white-box", {"linf", "l2", "l1"}, true, false,
       [](ParamReader& p) { return std::make_unique<Pgd>(PgdOptions::from_params(p)); }},
      {"apgd-ce", "Auto-PGD with the cross-entropy loss: step size set by the loss (Croce & Hein 2020)",
       "white-box", {"linf", "l2", "l1"}, true, false,
       [](ParamReader& p) { return std::make_unique<Apgd>(ApgdOptions::from_params(p, ApgdVariant::kCe)); }},
      {"apgd-dlr", "Auto-PGD with the difference-of-logits-ratio loss (Croce & Hein 2020)",
       "white-box", {"linf", "l2", "l1"}, true, false,
       [](ParamReader& p) { return std::make_unique<Apgd>(ApgdOptions::from_params(p, ApgdVariant::kDlr)); }},
      {"apgd-t", "Targeted Auto-PGD (DLR) over the most likely wrong classes, as in AutoAttack",
       "white-box", {"linf", "l2", "l1"}, true, false,
       [](ParamReader& p) { return std::make_unique<Apgd>(ApgdOptions::from_params(p, ApgdVariant::kTargeted)); }},
      {"fmn", "Fast Minimum-Norm attack: adaptive eps-ball, normalised steps (Pintor et al. 2021)",
       "white-box", {"l0", "l1", "l2", "linf"}, true, true,
       [](ParamReader& p) { return std::make_unique<Fmn>(FmnOptions::from_params(p)); }},
  };
  return registry;
}

const AttackSpec& find_attack(const std::string& name) {
  std::string known;
  for (const auto& spec : attack_registry()) {
    if (spec.name == name) return spec;
    known += (known.empty() ? "" : ", ") + spec.name;
  }
  throw Error("unknown attack '" + name + "' (known: " + known + ")");
}

std::unique_ptr<Attack> make_attack(const std::string& name,
                                    const std::map<std::string, std::string>& options) {
  const auto& spec = find_attack(name);
  auto norm = options.find("norm");
  if (norm != options.end()) {
    bool supported = false;
    for (const auto& n : spec.norms) supported = supported || n == norm->second;
    ADVLAB_CHECK(supported, name, " does not support norm '", norm->second, "'");
  }
  ParamReader reader(name, options);
  auto attack = spec.factory(reader);
  reader.finish();
  return attack;
}

}  // namespace advlab
