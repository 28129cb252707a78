#include "advlab/attacks/blackbox/transfer.h"

#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/models/architectures.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace advlab {

namespace detail_transfer {

// Adversarial only with a logit margin of at least kappa: asking the surrogate for a
// confident mistake makes the perturbation more likely to carry over (Carlini & Wagner
// 2017, Sec. 8), since white-box attacks stop right at the surrogate's boundary.
class ConfidentCriterion : public Criterion {
 public:
  ConfidentCriterion(std::shared_ptr<Criterion> base, double kappa) : base_(std::move(base)), kappa_(kappa) {}
  torch::Tensor is_adversarial(const torch::Tensor& logits) const override {
    auto cls = base_->classes().to(logits.device()).view({-1, 1});
    auto own = logits.gather(1, cls).squeeze(1);
    auto other = logits.scatter(1, cls, -std::numeric_limits<float>::infinity()).amax(1);
    auto margin = base_->targeted() ? own - other : other - own;
    return base_->is_adversarial(logits) & (margin >= kappa_);
  }
  bool targeted() const override { return base_->targeted(); }
  const torch::Tensor& classes() const override { return base_->classes(); }
  std::shared_ptr<Criterion> select(const torch::Tensor& rows) const override {
    return std::make_shared<ConfidentCriterion>(base_->select(rows), kappa_);
  }
  std::string name() const override { return "confident-" + base_->name(); }

 private:
  std::shared_ptr<Criterion> base_;
  double kappa_;
};

// A single step transfers better than iterating on the surrogate (Kurakin et al. 2017):
// on the trained Fashion-MNIST CNN with a substitute from oracle labels, FGSM transferred
// 31% against PGD's 13%, and MI-FGSM's default 10 steps did no better than random noise.
std::string default_attack() { return "fgsm"; }

uint64_t draw_seed(at::Generator& gen) {
  return static_cast<uint64_t>(at::randint(0, std::numeric_limits<int32_t>::max(), {1}, gen, torch::kLong)
                                   .item<int64_t>());
}

// sign of d log softmax(f(x))[y] / dx: the substitute's most sensitive direction for the
// oracle's label (Papernot et al., Eq. 4).
torch::Tensor jacobian_sign(torch::jit::Module& module, const torch::Tensor& x, const torch::Tensor& y) {
  torch::AutoGradMode grad_on(true);
  torch::Tensor signs = torch::empty_like(x);
  for (int64_t s = 0; s < x.size(0); s += 512) {
    auto input = x.slice(0, s, s + 512).detach().requires_grad_(true);
    auto logp = torch::log_softmax(module.forward({input}).toTensor(), 1);
    auto picked = logp.gather(1, y.slice(0, s, s + 512).view({-1, 1}).to(logp.device())).sum();
    auto g = torch::autograd::grad({picked}, {input})[0];
    signs.slice(0, s, s + 512).copy_(g.sign());
  }
  return signs;
}

}  // namespace detail_transfer

const ParamTable<TransferOptions>& TransferOptions::table() {
  static const auto table = ParamTable<TransferOptions>("transfer", TransferOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf", "l2"})
      .add("queries", ADVLAB_FIELD(queries), "per-sample query budget; 0 = unlimited").at_least(0)
      .add("output", ADVLAB_FIELD(output), "what the oracle answers").one_of({"label", "probs", "logits"})
      .add("surrogate", ADVLAB_FIELD(surrogate), "TorchScript surrogate; empty = train a substitute on oracle labels")
      .add("attack", ADVLAB_FIELD(attack), "white-box attack run on the surrogate; empty = fgsm")
      .add("confidence", ADVLAB_FIELD(confidence), "logit margin asked of the surrogate first (0: none)").at_least(0)
      .add("substitute", ADVLAB_FIELD(substitute), "substitute architecture (advlab train --arch)")
      .add("steps", ADVLAB_FIELD(rounds), "augmentation rounds: 2^steps points per sample").at_least(0).at_most(10)
      .alias("rounds")
      .add("lambda", ADVLAB_FIELD(lambda), "augmentation step").above(0)
      .add("epochs", ADVLAB_FIELD(epochs), "substitute training epochs per round").at_least(1);
  return table;
}

TransferAttack::TransferAttack(TransferOptions options, SubstituteFit fit)
    : BlackBoxAttack("transfer", options.eps(), options.norm(), parse_oracle_output(options.output()),
                     options.queries()),
      options_(std::move(options)),
      fit_(std::move(fit)) {
  TransferOptions::table().validate(options_);
  if (options_.surrogate().empty()) {
    ADVLAB_CHECK(fit_, "transfer: without a surrogate file a substitute trainer is needed (build it with make_attack)");
    auto names = models::architecture_names();
    ADVLAB_CHECK(std::find(names.begin(), names.end(), options_.substitute()) != names.end(),
                 "transfer: unknown substitute architecture '", options_.substitute(), "'");
  }
  attack_name_ = options_.attack().empty() ? detail_transfer::default_attack() : options_.attack();
  const auto& spec = find_attack(attack_name_);
  ADVLAB_CHECK(spec.family == "white-box", "transfer: attack '", attack_name_,
               "' is not a white-box attack (the surrogate is attacked with gradients)");
  white_box_ = make_attack(attack_name_, {{"eps", c10::str(options_.eps())}, {"norm", options_.norm()}});
  if (!options_.surrogate().empty()) surrogate_ = TorchScriptClassifier::load(options_.surrogate());
}

nlohmann::json TransferAttack::options_json() const {
  auto p = TransferOptions::table().to_json(options_);
  p["attack"] = attack_name_;
  p["attack_params"] = white_box_->params();
  if (!options_.surrogate().empty())  // nothing is trained
    for (const char* key : {"substitute", "steps", "lambda", "epochs"}) p.erase(key);
  return p;
}

std::shared_ptr<Classifier> TransferAttack::train_substitute(Oracle& oracle, const torch::Tensor& x) {
  using namespace detail_transfer;
  constexpr int64_t kReserve = 2;  // each sample keeps queries to check its results
  auto dev = x.device();
  auto& gen = oracle.generator();
  auto bounds = oracle.bounds();

  models::ArchitectureOptions arch;
  arch.in_channels = x.size(1);
  arch.height = x.size(2);
  arch.width = x.size(3);
  arch.num_classes = oracle.num_classes();
  arch.seed = draw_seed(gen);
  auto module = models::make_architecture(options_.substitute(), arch);
  module.to(dev);

  // Every point of the training set descends from one batch sample, its `parent`.
  auto parent = oracle.with_budget(1 + kReserve);
  auto points = x.index_select(0, parent.to(dev));
  auto labels = parent.numel() > 0 ? oracle.labels(points, parent).to(torch::kCPU) : torch::empty({0}, torch::kLong);
  for (int64_t round = 0; parent.numel() > 0; ++round) {
    {
      torch::AutoGradMode grad_on(true);
      fit_(module, points.to(torch::kCPU), labels, arch.num_classes, options_.epochs(), draw_seed(gen));
    }
    module.eval();
    if (round == options_.rounds()) break;
    // Augment: each point's child, labelled by the oracle on its ancestor's budget.
    auto count = torch::bincount(parent, {}, x.size(0));
    auto affordable = (oracle.remaining() >= count + kReserve).index_select(0, parent);
    auto keep = affordable.nonzero().squeeze(1);
    if (keep.numel() == 0) break;
    auto kept = points.index_select(0, keep.to(dev));
    auto children = bounds.clip(kept + options_.lambda() * jacobian_sign(module, kept, labels.index_select(0, keep)));
    auto child_parent = parent.index_select(0, keep);
    auto child_labels = oracle.labels(children, child_parent).to(torch::kCPU);
    points = torch::cat({points, children});
    labels = torch::cat({labels, child_labels});
    parent = torch::cat({parent, child_parent});
  }
  for (auto p : module.parameters()) p.requires_grad_(false);
  ClassifierOptions options;
  options.bounds = bounds;
  options.device = dev;
  return std::make_shared<TorchScriptClassifier>(module, options);
}

torch::Tensor TransferAttack::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  using namespace detail_transfer;
  ADVLAB_CHECK(surrogate_ || x.dim() == 4, "transfer: training a substitute needs images [N, C, H, W], got ",
               x.sizes());
  auto dev = x.device();
  std::shared_ptr<Classifier> surrogate;
  if (surrogate_) {
    ClassifierOptions options = surrogate_->options();
    options.bounds = oracle.bounds();
    options.device = dev;
    surrogate_->module().to(dev);
    surrogate = std::make_shared<TorchScriptClassifier>(surrogate_->module(), options);
    // A surrogate for other classes would attack labels that mean something else.
    int64_t surrogate_classes = 0;
    if (x.size(0) > 0) {
      torch::NoGradGuard no_grad;
      surrogate_classes = surrogate->logits(x.narrow(0, 0, 1)).size(1);
    }
    ADVLAB_CHECK(x.size(0) == 0 || surrogate_classes == oracle.num_classes(), "transfer: the surrogate ",
                 options_.surrogate(), " has ", surrogate_classes, " classes but the attacked model has ",
                 oracle.num_classes());
  } else {
    surrogate = train_substitute(oracle, x);
  }

  auto result = x.clone();
  auto checked = x.clone();  // the last candidate checked on the oracle, per sample
  auto open = torch::ones({x.size(0)}, torch::kBool);
  // First a confident mistake on the surrogate, then (for samples that did not transfer)
  // a plain one; each candidate costs one oracle query, changed candidates only.
  std::vector<double> margins;
  if (options_.confidence() > 0) margins.push_back(options_.confidence());
  margins.push_back(0);
  for (double kappa : margins) {
    auto rows = oracle.with_budget(1, open.nonzero().squeeze(1));
    if (rows.numel() == 0) break;
    auto rows_dev = rows.to(dev);
    auto sub = x.index_select(0, rows_dev);
    auto crit = criterion.select(rows);
    std::shared_ptr<Criterion> goal = crit;
    if (kappa > 0) goal = std::make_shared<ConfidentCriterion>(crit, kappa);
    auto cand = white_box_->run(*surrogate, sub, *goal, Budget::of(threat().name(), eps()), draw_seed(oracle.generator()))
                    .adversarials.to(dev);
    // Unchanged inputs (the surrogate attack failed) and repeats (a deterministic attack
    // gives the same point twice) would waste a query.
    auto fresh = flat(cand != sub).any(1) & flat(cand != checked.index_select(0, rows_dev)).any(1);
    auto changed = fresh.to(torch::kCPU).nonzero().squeeze(1);
    if (changed.numel() == 0) continue;
    auto r = rows.index_select(0, changed);
    auto c = cand.index_select(0, changed.to(dev));
    checked.index_copy_(0, r.to(dev), c);
    auto hit = oracle.is_adversarial(c, *criterion.select(r), r).to(torch::kCPU);
    auto take = hit.nonzero().squeeze(1);
    result.index_copy_(0, r.index_select(0, take).to(dev), c.index_select(0, take.to(dev)));
    open.index_fill_(0, r.index_select(0, take), false);
  }
  oracle.note_iterations(1);
  return result;
}

}  // namespace advlab
