#include "advlab/attacks/blackbox/onepixel.h"

#include "advlab/attacks/blackbox/score_losses.h"
#include "advlab/core/error.h"
#include "advlab/core/whole_count.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace advlab {

namespace detail_onepixel {

struct Evaluation {
  torch::Tensor fitness;  // [m, P], lower is better (CPU)
  torch::Tensor adv;      // bool [m, P] (CPU)
  torch::Tensor images;   // [m, P, C, H, W]
};

// Genes [m, P, k, 2 + C]: row, column (continuous; floored when drawn), channel values.
class PixelPopulation {
 public:
  PixelPopulation(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion)
      : oracle_(oracle), x_(x), criterion_(criterion), h_(x.size(2)), w_(x.size(3)) {}

  // A random population for each of `rows` (indices into the oracle's batch), drawn from
  // each sample's own generator.
  torch::Tensor random(const torch::Tensor& rows, int64_t p, int64_t k) {
    auto b = oracle_.bounds();
    const int64_t c = x_.size(1);
    auto u = oracle_.per_sample(rows, [&](at::Generator& g, int64_t) {
      return at::rand({1, p, k, 2 + c}, g, torch::kFloat32);
    });
    auto pos = u.narrow(3, 0, 2) * torch::tensor({static_cast<float>(h_), static_cast<float>(w_)});
    // Values start at the extremes of the bounds, the most disruptive a pixel can take
    // (Su et al. draw RGB values from N(128, 127), mostly far from grey); DE moves them.
    auto coin = (u.narrow(3, 2, c) < 0.5).to(torch::kFloat32);
    auto val = b.lower + (b.upper - b.lower) * coin;
    return torch::cat({pos, val}, 3);
  }

  // Positions wrap around the image (keeps DE's differences meaningful), values clip.
  torch::Tensor repair(torch::Tensor genes) const {
    auto b = oracle_.bounds();
    auto size = torch::tensor({static_cast<float>(h_), static_cast<float>(w_)});
    auto pos = genes.narrow(3, 0, 2);
    pos = pos - torch::floor(pos / size) * size;
    auto val = genes.narrow(3, 2, genes.size(3) - 2).clamp(b.lower, b.upper);
    return torch::cat({pos, val}, 3);
  }

  Evaluation evaluate(const torch::Tensor& rows, const torch::Tensor& genes) {
    const int64_t m = genes.size(0), p = genes.size(1), k = genes.size(2), c = x_.size(1);
    auto dev = x_.device();
    auto base = x_.index_select(0, rows.to(dev)).unsqueeze(1).expand({m, p, c, h_, w_}).reshape({m * p, c, h_ * w_});
    base = base.clone();
    auto r = torch::floor(genes.select(3, 0)).clamp(0, h_ - 1);
    auto col = torch::floor(genes.select(3, 1)).clamp(0, w_ - 1);
    auto idx = (r * w_ + col).to(torch::kLong).view({m * p, 1, k}).expand({m * p, c, k}).to(dev);
    auto val = genes.narrow(3, 2, c).reshape({m * p, k, c}).permute({0, 2, 1}).contiguous().to(dev);
    base.scatter_(2, idx, val);
    auto images = base.view({m * p, c, h_, w_});
    auto rep = rows.repeat_interleave(p);
    auto scores = oracle_.scores(images, rep);
    auto probs = oracle_.output() == OracleOutput::kLogits ? torch::softmax(scores, 1) : scores;
    auto crit = criterion_.select(rep);
    auto prob = probs.gather(1, crit->classes().to(dev).view({-1, 1})).view({m, p}).to(torch::kCPU);
    Evaluation e;
    e.fitness = criterion_.targeted() ? -prob : prob;
    e.adv = surely_adversarial(oracle_, scores, *crit).view({m, p}).to(torch::kCPU);
    e.images = images.view({m, p, c, h_, w_});
    return e;
  }

 private:
  Oracle& oracle_;
  const torch::Tensor& x_;
  const Criterion& criterion_;
  int64_t h_, w_;
};

// For each member, three distinct other members (DE/rand/1), as indices [m, P, 3].
// keys: uniform [m, p, p], each sample's from its own generator.
torch::Tensor pick_parents(torch::Tensor keys) {
  const int64_t p = keys.size(1);
  keys = keys + 2 * torch::eye(p).unsqueeze(0);  // never oneself
  return std::get<1>(keys.topk(3, 2, /*largest=*/false));
}

}  // namespace detail_onepixel

const ParamTable<OnePixelOptions>& OnePixelOptions::table() {
  static const auto table = ParamTable<OnePixelOptions>("onepixel", OnePixelOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "L0 budget in coordinates (pixels x channels)").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l0"})
      .add("queries", ADVLAB_FIELD(queries), "per-sample query budget; 0 = unlimited").at_least(0)
      .add("output", ADVLAB_FIELD(output), "what the oracle answers").one_of({"probs", "logits"})
      .add("population", ADVLAB_FIELD(population), "candidate solutions per generation").at_least(4)
      .add("generations", ADVLAB_FIELD(generations), "most generations after the initial one").at_least(0)
      .add("mutation", ADVLAB_FIELD(mutation), "differential-evolution scale factor F").above(0).at_most(2)
      .add("strategy", ADVLAB_FIELD(strategy), "base vector of each mutation").one_of({"best", "rand"});
  return table;
}

OnePixel::OnePixel(OnePixelOptions options)
    : BlackBoxAttack("onepixel", options.eps(), options.norm(), parse_oracle_output(options.output()),
                     options.queries()),
      options_(std::move(options)) {
  OnePixelOptions::table().validate(options_);
  ADVLAB_CHECK(options_.queries() <= 0 || options_.queries() > options_.population(),
               "onepixel: queries (", options_.queries(), ") must exceed the population (",
               options_.population(), ")");
}

nlohmann::json OnePixel::options_json() const {
  return OnePixelOptions::table().to_json(options_);
}

torch::Tensor OnePixel::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  ADVLAB_CHECK(query_budget() <= 0 || query_budget() > options_.population(), "onepixel: queries (",
               query_budget(), ") must exceed the population (", options_.population(), ")");
  using namespace detail_onepixel;
  ADVLAB_CHECK(x.dim() == 4, "onepixel: expects images [N, C, H, W], got ", x.sizes());
  const int64_t n = x.size(0), c = x.size(1);
  const int64_t k = whole_count(eps() / static_cast<double>(c), x.size(2) * x.size(3));
  ADVLAB_CHECK(k >= 1, "onepixel: eps = ", eps(), " changes fewer coordinates than one pixel (",
               c, " channels)");
  const int64_t pop = options_.population();
  auto dev = x.device();
  PixelPopulation pixels(oracle, x, criterion);

  auto result = x.clone();
  auto done = torch::zeros({n}, torch::kBool);
  // Keeps the first adversarial member of each sample's evaluated candidates.
  auto record = [&](const torch::Tensor& rows, const Evaluation& e) {
    auto inf = std::numeric_limits<float>::infinity();
    auto masked = torch::where(e.adv, e.fitness, torch::full_like(e.fitness, inf));
    auto best = masked.argmin(1);
    auto any = e.adv.any(1);
    auto hit = any.nonzero().squeeze(1);
    if (hit.numel() == 0) return;
    auto hit_dev = hit.to(dev);
    auto imgs = e.images.index_select(0, hit_dev);
    auto pick = best.index_select(0, hit).to(dev);
    auto chosen = imgs.gather(1, pick.view({-1, 1, 1, 1, 1}).expand({hit.size(0), 1, c, x.size(2), x.size(3)}))
                      .squeeze(1);
    result.index_copy_(0, rows.index_select(0, hit).to(dev), chosen);
    done.index_fill_(0, rows.index_select(0, hit), true);
  };

  auto rows = oracle.with_budget(pop);
  if (rows.numel() == 0) return result;
  auto genes = pixels.random(rows, pop, k);
  auto first = pixels.evaluate(rows, genes);
  record(rows, first);
  // Population state for every sample (rows that could not start stay empty).
  auto all_genes = torch::zeros({n, pop, k, 2 + c}, torch::kFloat32);
  auto all_fit = torch::full({n, pop}, std::numeric_limits<float>::infinity());
  all_genes.index_copy_(0, rows, genes);
  all_fit.index_copy_(0, rows, first.fitness);
  auto started = torch::zeros({n}, torch::kBool).index_fill_(0, rows, true);

  for (int64_t g = 1; g <= options_.generations(); ++g) {
    auto r = oracle.with_budget(pop, (started & ~done).nonzero().squeeze(1));
    if (r.numel() == 0) break;
    oracle.note_iterations(g);
    const int64_t m = r.size(0);
    auto parents = all_genes.index_select(0, r);
    auto pick = pick_parents(oracle.per_sample(r, [pop](at::Generator& g, int64_t) {
      return at::rand({1, pop, pop}, g, torch::kFloat32);
    }));
    auto gather = [&](int64_t j) {
      auto idx = pick.select(2, j).view({m, pop, 1, 1}).expand_as(parents);
      return parents.gather(1, idx);
    };
    auto base = gather(0);
    if (options_.strategy() == "best") {
      auto fittest = all_fit.index_select(0, r).argmin(1).view({m, 1, 1, 1}).expand({m, pop, k, 2 + c});
      base = parents.gather(1, fittest);
    }
    auto children = pixels.repair(base + options_.mutation() * (gather(1) - gather(2)));
    auto e = pixels.evaluate(r, children);
    record(r, e);
    auto fit = all_fit.index_select(0, r);
    auto better = e.fitness <= fit;
    all_fit.index_copy_(0, r, torch::where(better, e.fitness, fit));
    all_genes.index_copy_(0, r, torch::where(better.view({m, pop, 1, 1}), children, parents));
  }
  return result;
}

}  // namespace advlab
