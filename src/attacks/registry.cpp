#include "advlab/attacks/registry.h"

#include "advlab/attacks/blackbox/boundary.h"
#include "advlab/attacks/blackbox/hsja.h"
#include "advlab/attacks/blackbox/onepixel.h"
#include "advlab/attacks/blackbox/transfer.h"
#include "advlab/attacks/gradient/fgsm.h"
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
      {"onepixel", "One-pixel attack: differential evolution over a few pixels, from scores (Su et al. 2019)",
       "black-box", {"l0"}, true, false,
       [](ParamReader& p) { return std::make_unique<OnePixel>(OnePixelOptions::from_params(p)); }},
      {"boundary", "Boundary Attack: decision-based random walk along the boundary (Brendel et al. 2018)",
       "black-box", {"l2"}, true, true,
       [](ParamReader& p) { return std::make_unique<BoundaryAttack>(BoundaryOptions::from_params(p)); }},
      {"hsja", "HopSkipJump: decision-based gradient estimates at the boundary (Chen et al. 2020)",
       "black-box", {"l2", "linf"}, true, true,
       [](ParamReader& p) { return std::make_unique<Hsja>(HsjaOptions::from_params(p)); }},
      {"transfer", "Transfer attack from a given surrogate or a substitute trained on oracle labels (Papernot et al. 2017)",
       "black-box", {"linf", "l2"}, true, false,
       [](ParamReader& p) { return std::make_unique<TransferAttack>(TransferOptions::from_params(p)); }},
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
