#include "advlab/attacks/registry.h"

#include "advlab/attacks/gradient/apgd.h"
#include "advlab/attacks/blackbox/boundary.h"
#include "advlab/attacks/blackbox/hsja.h"
#include "advlab/attacks/blackbox/onepixel.h"
#include "advlab/attacks/blackbox/transfer.h"
#include "advlab/attacks/gradient/fgsm.h"
#include "advlab/attacks/gradient/fmn.h"
#include "advlab/attacks/gradient/pgd.h"
#include "advlab/attacks/blackbox/nes.h"
#include "advlab/attacks/blackbox/simba.h"
#include "advlab/attacks/blackbox/spsa.h"
#include "advlab/attacks/blackbox/square.h"
#include "advlab/attacks/blackbox/zoo.h"
#include "advlab/attacks/gradient/fab.h"
#include "advlab/attacks/gradient/bim.h"
#include "advlab/attacks/gradient/mifgsm.h"
#include "advlab/attacks/gradient/difgsm.h"
#include "advlab/attacks/gradient/cw.h"
#include "advlab/attacks/gradient/deepfool.h"
#include "advlab/attacks/gradient/ead.h"
#include "advlab/attacks/mask/jsma.h"
#include "advlab/attacks/mask/sparsefool.h"
#include "advlab/attacks/mask/adversarial_patch.h"
#include "advlab/attacks/mask/rp2.h"
#include "advlab/core/error.h"
#include "advlab/gan/advgan_attack.h"
#include "advlab/gan/natural_adversarial.h"

namespace advlab {

const std::vector<AttackSpec>& attack_registry() {
  static const std::vector<AttackSpec> registry = {
      {"fgsm", "Fast Gradient Sign Method: one step of size eps along the normalised gradient",
       "white-box", {"linf", "l2", "l1"}, true, false,
       [](ParamReader& p) { return std::make_unique<Fgsm>(FgsmOptions::from_params(p)); }},
      {"pgd", "Projected Gradient Descent with random start and restarts (Madry et al. 2018)",
       "white-box", {"linf", "l2", "l1"}, true, false,
       [](ParamReader& p) { return std::make_unique<Pgd>(PgdOptions::from_params(p)); }},
      {"bim", "Basic Iterative Method: PGD from the clean input, Kurakin's steps (Kurakin et al. 2017)",
       "white-box", {"linf"}, true, false,
       [](ParamReader& p) { return std::make_unique<Bim>(BimOptions::from_params(p)); }},
      {"mifgsm", "Momentum iterative FGSM: L1-normalised gradients accumulated with decay (Dong et al. 2018)",
       "white-box", {"linf", "l2"}, true, false,
       [](ParamReader& p) { return std::make_unique<Mifgsm>(MifgsmOptions::from_params(p)); }},
      {"difgsm", "Diverse-input iterative FGSM: gradients on randomly resized and padded inputs (Xie et al. 2019)",
       "white-box", {"linf"}, true, false,
       [](ParamReader& p) { return std::make_unique<Difgsm>(DifgsmOptions::from_params(p)); }},
      {"apgd-ce", "Auto-PGD with the cross-entropy loss: step size set by the loss (Croce & Hein 2020)",
       "white-box", {"linf", "l2", "l1"}, true, false,
       [](ParamReader& p) { return std::make_unique<Apgd>(ApgdOptions::from_params(p, ApgdVariant::kCe)); }},
      {"apgd-dlr", "Auto-PGD with the difference-of-logits-ratio loss (Croce & Hein 2020)",
       "white-box", {"linf", "l2", "l1"}, true, false,
       [](ParamReader& p) { return std::make_unique<Apgd>(ApgdOptions::from_params(p, ApgdVariant::kDlr)); }},
      {"apgd-t", "Targeted Auto-PGD (DLR) over the most likely wrong classes, as in AutoAttack",
       "white-box", {"linf", "l2", "l1"}, true, false,
       [](ParamReader& p) { return std::make_unique<Apgd>(ApgdOptions::from_params(p, ApgdVariant::kTargeted)); }},
      {"cw", "Carlini-Wagner L2: tanh box, Adam, binary search over c; smallest L2 adversarial (2017)",
       "white-box", {"l2"}, true, true,
       [](ParamReader& p) { return std::make_unique<CarliniWagner>(CarliniWagnerOptions::from_params(p)); }},
      {"deepfool", "DeepFool: steps onto the nearest linearised class boundary (Moosavi-Dezfooli et al. 2016)",
       "white-box", {"l2", "linf"}, true, true,
       [](ParamReader& p) { return std::make_unique<DeepFool>(DeepFoolOptions::from_params(p)); }},
      {"ead", "Elastic-net attack: FISTA with shrinkage-thresholding, binary search over c (Chen et al. 2018)",
       "white-box", {"l1"}, true, true,
       [](ParamReader& p) { return std::make_unique<Ead>(EadOptions::from_params(p)); }},
      {"fab", "Fast Adaptive Boundary: minimum-norm steps onto the closest linearised boundary (Croce & Hein 2020)",
       "white-box", {"linf", "l2", "l1"}, true, true,
       [](ParamReader& p) { return std::make_unique<Fab>(FabOptions::from_params(p)); }},
      {"fab-t", "FAB-T: targeted FAB towards each of the top-k other classes in turn (AutoAttack)",
       "white-box", {"linf", "l2", "l1"}, true, true,
       [](ParamReader& p) { return std::make_unique<FabT>(FabOptions::from_params(p, true)); }},
      {"fmn", "Fast Minimum-Norm attack: adaptive eps-ball, normalised steps (Pintor et al. 2021)",
       "white-box", {"l0", "l1", "l2", "linf"}, true, true,
       [](ParamReader& p) { return std::make_unique<Fmn>(FmnOptions::from_params(p)); }},
      {"square", "Square Attack: random search over square updates on a shrinking schedule (Andriushchenko et al. 2020)",
       "black-box", {"linf", "l2"}, true, false,
       [](ParamReader& p) { return std::make_unique<SquareAttack>(SquareOptions::from_params(p)); }},
      {"nes", "NES gradient estimates (antithetic Gaussian samples) with PGD steps (Ilyas et al. 2018)",
       "black-box", {"linf", "l2"}, true, false,
       [](ParamReader& p) { return std::make_unique<NesAttack>(NesOptions::from_params(p)); }},
      {"spsa", "SPSA gradient estimates (Rademacher perturbations) with Adam steps (Uesato et al. 2018)",
       "black-box", {"linf", "l2"}, true, false,
       [](ParamReader& p) { return std::make_unique<SpsaAttack>(SpsaOptions::from_params(p)); }},
      {"simba", "SimBA: keep random pixel or low-frequency DCT steps that lower the class probability (Guo et al. 2019)",
       "black-box", {"l2", "linf"}, true, false,
       [](ParamReader& p) { return std::make_unique<SimbaAttack>(SimbaOptions::from_params(p)); }},
      {"zoo", "ZOO: coordinate-wise finite differences with Adam or Newton steps on the C&W loss (Chen et al. 2017)",
       "black-box", {"linf", "l2"}, true, false,
       [](ParamReader& p) { return std::make_unique<ZooAttack>(ZooOptions::from_params(p)); }},
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
      {"jsma", "JSMA: change the pixel pairs the Jacobian saliency map ranks first, within a mask (Papernot et al. 2016)",
       "white-box", {"l0"}, true, false,
       [](ParamReader& p) { return std::make_unique<Jsma>(JsmaOptions::from_params(p)); }},
      {"sparsefool", "SparseFool: DeepFool boundary points and a box-constrained L1 linear solver, within a mask (Modas et al. 2019)",
       "white-box", {"l0", "l1"}, true, true,
       [](ParamReader& p) { return std::make_unique<SparseFool>(SparseFoolOptions::from_params(p)); }},
      {"rp2", "Robust Physical Perturbations: masked stickers optimised over random views, TV and printability (Eykholt et al. 2018)",
       "white-box", {"linf", "l2"}, true, false,
       [](ParamReader& p) { return std::make_unique<Rp2>(Rp2Options::from_params(p)); }, true},
      {"patch", "Adversarial patch: one universal patch per class trained over random placements (Brown et al. 2017)",
       "white-box", {"l0"}, true, false,
       [](ParamReader& p) -> std::unique_ptr<Attack> { return AdversarialPatch::from_params(p); }, true},
      {"advgan", "AdvGAN: one forward pass of a generator trained against the model (Xiao et al. 2018)",
       "white-box", {"linf", "l2"}, true, false,
       [](ParamReader& p) { return std::make_unique<gan::AdvGanAttack>(gan::AdvGanAttackOptions::from_params(p)); },
       false, {"generator"}},
      {"natural", "Natural adversarial examples: search a GAN's latent space around the inverted image (Zhao et al. 2018)",
       "black-box", {"l2", "linf"}, true, true,
       [](ParamReader& p) { return std::make_unique<gan::NaturalAdversarial>(gan::NaturalOptions::from_params(p)); },
       false, {"generator", "inverter"}},
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
  for (const auto& required : spec.required_options)
    ADVLAB_CHECK(options.count(required) && !options.at(required).empty(), name, " needs option '", required,
                 "' (advlab attack --", required, " FILE)");
  ParamReader reader(name, options);
  auto attack = spec.factory(reader);
  reader.finish();
  return attack;
}

}  // namespace advlab
