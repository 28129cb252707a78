#include "advlab/attacks/registry.h"

#include "advlab/attacks/gradient/apgd.h"
#include "advlab/attacks/blackbox/boundary.h"
#include "advlab/attacks/blackbox/hsja.h"
#include "advlab/attacks/blackbox/onepixel.h"
#include "advlab/attacks/blackbox/transfer.h"
#include "advlab/attacks/gradient/fgsm.h"
#include "advlab/attacks/gradient/alma.h"
#include "advlab/attacks/gradient/ddn.h"
#include "advlab/attacks/gradient/fmn.h"
#include "advlab/attacks/gradient/pdpgd.h"
#include "advlab/attacks/gradient/pgd.h"
#include "advlab/attacks/gradient/sigma_zero.h"
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
#include "advlab/data/dataset.h"
#include "advlab/models/trainer.h"
#include "advlab/attacks/generative/advgan_attack.h"
#include "advlab/attacks/generative/natural_adversarial.h"

#include <algorithm>
#include <type_traits>

namespace advlab {

namespace {

enum Kind { kPhysical = 1 };

// Attacks are built from their options; those that need a collaborator get it here.
template <class A, class Options>
std::unique_ptr<A> make(Options options) {
  return std::make_unique<A>(std::move(options));
}

// Transfer's substitute is trained like any advlab model (small batches: few points).
template <>
std::unique_ptr<TransferAttack> make<TransferAttack>(TransferOptions options) {
  auto fit = [](torch::jit::Module& module, const torch::Tensor& images, const torch::Tensor& labels,
                int64_t num_classes, int64_t epochs, uint64_t seed) {
    data::Dataset set;
    set.images = images;
    set.labels = labels;
    set.num_classes = num_classes;
    models::TrainOptions train;
    train.epochs = epochs;
    train.batch_size = 32;
    train.learning_rate = 1e-3;
    train.seed = seed;
    models::train_classifier(module, set, train);
  };
  return std::make_unique<TransferAttack>(std::move(options), fit);
}

// One registry row from an attack class and its parameter table: name, norms and required
// options come from the table, family and minimum-norm from the class, so none of them
// can drift from what the attack is and accepts.
template <class A, class Options>
AttackSpec entry(std::string help, int kinds, const ParamTable<Options>& table) {
  AttackSpec spec;
  spec.name = table.attack();
  spec.help = std::move(help);
  spec.family = std::is_base_of_v<BlackBoxAttack, A> ? "black-box" : "white-box";
  spec.minimum_norm = A::kMinimumNorm;
  spec.physical = kinds & kPhysical;
  spec.params = table.describe();
  for (const auto& p : spec.params) {
    if (p.name == "norm")
      for (const auto& n : p.choices)
        if (!n.empty()) spec.norms.push_back(n);  // "" = the generator's (advgan)
    if (p.required && p.name != "eps") spec.required_options.push_back(p.name);
  }
  spec.factory = [&table, norms = spec.norms](const ParamValues& values) -> std::unique_ptr<Attack> {
    auto attack = make<A>(table.parse(values));
    if (!norms.empty()) attack->restrict_norms(norms);
    return attack;
  };
  return spec;
}

}  // namespace

const ParamInfo* AttackSpec::param(const std::string& key) const {
  for (const auto& p : params)
    if (p.name == key) return &p;
  return nullptr;
}

const std::vector<AttackSpec>& attack_registry() {
  static const std::vector<AttackSpec> registry = {
      entry<Fgsm>("Fast Gradient Sign Method: one step of size eps along the normalised gradient",
                   0, FgsmOptions::table()),
      entry<Pgd>("Projected Gradient Descent with random start and restarts (Madry et al. 2018)",
                   0, PgdOptions::table()),
      entry<Bim>("Basic Iterative Method: PGD from the clean input, Kurakin's steps (Kurakin et al. 2017)",
                   0, BimOptions::table()),
      entry<Mifgsm>("Momentum iterative FGSM: L1-normalised gradients accumulated with decay (Dong et al. 2018)",
                   0, MifgsmOptions::table()),
      entry<Difgsm>("Diverse-input iterative FGSM: gradients on randomly resized and padded inputs (Xie et al. 2019)",
                   0, DifgsmOptions::table()),
      entry<Apgd>("Auto-PGD with the cross-entropy loss: step size set by the loss (Croce & Hein 2020)",
                   0, ApgdOptions::table(ApgdVariant::kCe)),
      entry<Apgd>("Auto-PGD with the difference-of-logits-ratio loss (Croce & Hein 2020)",
                   0, ApgdOptions::table(ApgdVariant::kDlr)),
      entry<Apgd>("Targeted Auto-PGD (DLR) over the most likely wrong classes, as in AutoAttack",
                   0, ApgdOptions::table(ApgdVariant::kTargeted)),
      entry<CarliniWagner>("Carlini-Wagner L2: Adam on the margin loss (box clipped or tanh), binary search over c; smallest L2 adversarial (2017)",
                   0, CarliniWagnerOptions::table()),
      entry<DeepFool>("DeepFool: steps onto the nearest linearised class boundary (Moosavi-Dezfooli et al. 2016)",
                   0, DeepFoolOptions::table()),
      entry<Ead>("Elastic-net attack: FISTA with shrinkage-thresholding, binary search over c (Chen et al. 2018)",
                   0, EadOptions::table()),
      entry<Fab>("Fast Adaptive Boundary: minimum-norm steps onto the closest linearised boundary (Croce & Hein 2020)",
                   0, FabOptions::table()),
      entry<FabT>("FAB-T: targeted FAB towards each of the top-k other classes in turn (AutoAttack)",
                   0, FabOptions::table(true)),
      entry<Fmn>("Fast Minimum-Norm attack: adaptive eps-ball, normalised steps (Pintor et al. 2021)",
                   0, FmnOptions::table()),
      entry<Ddn>("Decoupled Direction and Norm: normalised CE steps, norm shrunk or grown per step; L2 (Rony et al. 2019)",
                   0, DdnOptions::table()),
      entry<Alma>("ALMA: augmented Lagrangian of the norm and a logit-ratio constraint, RMSProp; L2, L1 (Rony et al. 2021)",
                   0, AlmaOptions::table()),
      entry<Pdpgd>("PDPGD: primal-dual Lagrangian, Adam steps then the norm's proximal step; L1, L2, L-inf (Matyasko & Chau 2021)",
                   0, PdpgdOptions::table()),
      entry<SigmaZero>("sigma-zero: margin plus a smooth L0 term, normalised steps, adaptive pruning threshold; L0 (Cina et al. 2024)",
                   0, SigmaZeroOptions::table()),
      entry<SquareAttack>("Square Attack: random search over square updates on a shrinking schedule (Andriushchenko et al. 2020)",
                   0, SquareOptions::table()),
      entry<NesAttack>("NES gradient estimates (antithetic Gaussian samples) with PGD steps (Ilyas et al. 2018)",
                   0, NesOptions::table()),
      entry<SpsaAttack>("SPSA gradient estimates (Rademacher perturbations) with Adam steps (Uesato et al. 2018)",
                   0, SpsaOptions::table()),
      entry<SimbaAttack>("SimBA: keep random pixel or low-frequency DCT steps that lower the class probability (Guo et al. 2019)",
                   0, SimbaOptions::table()),
      entry<ZooAttack>("ZOO: coordinate-wise finite differences with Adam or Newton steps on the C&W loss (Chen et al. 2017)",
                   0, ZooOptions::table()),
      entry<OnePixel>("One-pixel attack: differential evolution over a few pixels, from scores (Su et al. 2019)",
                   0, OnePixelOptions::table()),
      entry<BoundaryAttack>("Boundary Attack: decision-based random walk along the boundary (Brendel et al. 2018)",
                   0, BoundaryOptions::table()),
      entry<Hsja>("HopSkipJump: decision-based gradient estimates at the boundary (Chen et al. 2020)",
                   0, HsjaOptions::table()),
      entry<TransferAttack>("Transfer attack from a given surrogate or a substitute trained on oracle labels (Papernot et al. 2017)",
                   0, TransferOptions::table()),
      entry<Jsma>("JSMA: change the pixel pairs the Jacobian saliency map ranks first, within a mask (Papernot et al. 2016)",
                   0, JsmaOptions::table()),
      entry<SparseFool>("SparseFool: DeepFool boundary points and a box-constrained L1 linear solver, within a mask (Modas et al. 2019)",
                   0, SparseFoolOptions::table()),
      entry<Rp2>("Robust Physical Perturbations: masked stickers optimised over random views, TV and printability (Eykholt et al. 2018)",
                   kPhysical, Rp2Options::table()),
      entry<AdversarialPatch>("Adversarial patch: one universal patch per class trained over random placements (Brown et al. 2017)",
                   kPhysical, PatchAttackOptions::table()),
      entry<gan::AdvGanAttack>("AdvGAN: one forward pass of a generator trained against the model (Xiao et al. 2018)",
                   0, gan::AdvGanAttackOptions::table()),
      entry<gan::NaturalAdversarial>("Natural adversarial examples: search a GAN's latent space around the inverted image (Zhao et al. 2018)",
                   0, gan::NaturalOptions::table()),
  };
  return registry;
}

const AttackSpec& find_attack(const std::string& name) {
  std::string known, close;
  for (const auto& spec : attack_registry()) {
    if (spec.name == name) return spec;
    known += (known.empty() ? "" : ", ") + spec.name;
    // A family name ("apgd", "fab") or a spelling with '_' names the attacks it starts.
    auto dashed = name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    if (!name.empty() && (spec.name.rfind(dashed, 0) == 0 || spec.name == dashed))
      close += (close.empty() ? "" : ", ") + spec.name;
  }
  throw Error("unknown attack '" + name + "'" + (close.empty() ? "" : "; did you mean " + close + "?") +
              " (known: " + known + ")");
}

std::unique_ptr<Attack> make_attack(const std::string& name, const ParamValues& options) {
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
  return spec.factory(options);
}

}  // namespace advlab
