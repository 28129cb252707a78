#include "advlab/attacks/generative/natural_adversarial.h"

#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace advlab::gan {

namespace detail_natural {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Latents generated and queried at once: bounds memory at samples x batch images.
constexpr int64_t kChunkRows = 2048;
// A safety net only: both searches end on their own long before.
constexpr int64_t kMaxRounds = 100000;

enum class Phase { kSearch, kRefine, kDone };

// One sample's search: the range [lo, hi) of latent distances sampled next round.
struct SearchState {
  double lo = 0, hi = 0;
  Phase phase = Phase::kSearch;
  int64_t misses = 0;
  double best = kInf;  // latent distance of the best adversarial kept so far
};

// What one round found for a sample: whether any adversarial, and the latent distance
// of the nearest one.
struct RoundOutcome {
  bool found = false;
  double distance = kInf;
};

struct SearchRule {
  std::string search;
  double dr = 0, max_radius = 0;
  int64_t patience = 0;

  SearchState start() const {
    SearchState s;
    s.lo = 0;
    s.hi = search == "iterative" ? std::min(dr, max_radius) : max_radius;
    return s;
  }

  // Algorithm 1: the next shell outwards until one holds an adversarial.
  void iterative(SearchState& s, const RoundOutcome& round) const {
    if (round.found || s.hi >= max_radius) {
      s.phase = Phase::kDone;
      return;
    }
    s.lo = s.hi;
    s.hi = std::min(s.lo + dr, max_radius);
  }

  void refine_from_best(SearchState& s) const {
    if (!std::isfinite(s.best)) {
      s.phase = Phase::kDone;
      return;
    }
    s.phase = Phase::kRefine;
    s.hi = s.best;
    s.lo = std::max(0.0, s.hi - dr);
    s.misses = 0;
  }

  // Algorithm 2. `improved`: the round's nearest adversarial beat the best so far (which
  // the caller has already updated).
  void hybrid(SearchState& s, const RoundOutcome& round, bool improved) const {
    if (s.phase == Phase::kSearch) {
      if (!round.found) {
        // Nothing in [lo, hi): look further out, unless the range is already fine.
        if (s.hi - s.lo < dr) return refine_from_best(s);
        s.lo = (s.lo + s.hi) / 2;
        s.misses = 0;
        return;
      }
      if (improved) {
        s.lo = s.best / 2;
        s.hi = s.best;
        s.misses = 0;
      } else {
        s.hi = (s.lo + s.hi) / 2;
        ++s.misses;
      }
      if (s.misses > patience || s.hi - s.lo < dr) refine_from_best(s);
      return;
    }
    // Refine: shells of width dr below the best, until `patience` shells in a row miss.
    if (round.found) {
      s.hi = s.lo;
      s.lo = std::max(0.0, s.hi - dr);
      s.misses = 0;
    } else if (++s.misses >= patience) {
      s.phase = Phase::kDone;
    }
    if (s.hi <= 1e-9) s.phase = Phase::kDone;
  }

  void update(SearchState& s, const RoundOutcome& round, bool improved) const {
    if (search == "iterative")
      iterative(s, round);
    else
      hybrid(s, round, improved);
  }
};

}  // namespace detail_natural

using namespace detail_natural;

const ParamTable<NaturalOptions>& NaturalOptions::table() {
  static const auto table = ParamTable<NaturalOptions>("natural", NaturalOptions())
      .add("eps", ADVLAB_FIELD(eps), "budget; none = minimum-norm only").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l2", "linf"})
      .add("queries", ADVLAB_FIELD(queries), "per-sample query budget, the clean check included; 0 = unlimited")
      .at_least(0)
      .add("generator", ADVLAB_FIELD(generator), "generator file, latent -> image (advlab gan train)").required()
      .add("inverter", ADVLAB_FIELD(inverter), "inverter file, image -> latent (advlab gan invert)").required()
      .add("search", ADVLAB_FIELD(search), "latent search").one_of({"iterative", "hybrid"})
      .add("samples", ADVLAB_FIELD(samples), "latents drawn per sample and round").at_least(1)
      .add("dr", ADVLAB_FIELD(dr), "shell width (iterative) / resolution (hybrid)").above(0)
      .add("max_radius", ADVLAB_FIELD(max_radius), "latent distances searched: [0, max_radius), >= dr").above(0)
      .add("patience", ADVLAB_FIELD(patience), "hybrid: fruitless rounds before a phase ends").at_least(1);
  return table;
}

namespace {

NaturalOptions checked_natural_options(NaturalOptions o) {
  NaturalOptions::table().validate(o);
  ADVLAB_CHECK(o.max_radius() >= o.dr(), "natural: max_radius must be >= dr (", o.dr(), "), got ", o.max_radius());
  ADVLAB_CHECK(!o.generator().empty(), "natural: needs option 'generator' (advlab attack --generator FILE)");
  ADVLAB_CHECK(!o.inverter().empty(), "natural: needs option 'inverter' (advlab attack --inverter FILE)");
  return o;
}

}  // namespace

NaturalAdversarial::NaturalAdversarial(NaturalOptions options)
    : BlackBoxAttack("natural", options.eps(), options.norm(), OracleOutput::kLabel, options.queries()),
      options_(checked_natural_options(std::move(options))),
      generator_(load_latent_generator(options_.generator())),
      inverter_(load_latent_inverter(options_.inverter())) {
  check_inverter_fits(generator_, inverter_);
}

nlohmann::json NaturalAdversarial::options_json() const {
  nlohmann::json p = {{"norm", options_.norm()},
                      {"queries", options_.queries()},
                      {"generator", options_.generator()},
                      {"inverter", options_.inverter()},
                      {"generator_architecture", generator_.architecture},
                      {"inverter_architecture", inverter_.architecture},
                      {"latent_dim", generator_.latent_dim},
                      {"search", options_.search()},
                      {"samples", options_.samples()},
                      {"dr", options_.dr()},
                      {"max_radius", options_.max_radius()},
                      {"patience", options_.patience()}};
  p["eps"] = options_.eps() ? nlohmann::json(*options_.eps()) : nlohmann::json(nullptr);
  return p;
}

torch::Tensor NaturalAdversarial::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  const int64_t n = x.size(0);
  ADVLAB_CHECK(x.dim() == 4 && x.sizes().slice(1) == c10::IntArrayRef(generator_.output_shape),
               "natural: images of shape ", x.sizes().slice(1), " but generator ", generator_.path, " makes ",
               c10::IntArrayRef(generator_.output_shape));
  const auto device = x.device();
  generator_.to(device);
  inverter_.to(device);
  const auto bounds = oracle.bounds();
  const int64_t d = generator_.latent_dim;

  const auto z = inverter_(x).to(device, torch::kFloat32);
  const SearchRule rule{options_.search(), options_.dr(), options_.max_radius(), options_.patience()};
  std::vector<SearchState> state(n, rule.start());
  auto best_images = x.clone();
  auto best_key = std::vector<double>(n, kInf);  // latent distance, +1e9 if outside eps
  auto best_latent = torch::full({n}, std::numeric_limits<float>::infinity());

  int64_t rounds = 0;
  for (; rounds < kMaxRounds; ++rounds) {
    auto remaining = oracle.remaining().to(torch::kLong);
    std::vector<int64_t> active, counts;
    for (int64_t i = 0; i < n; ++i) {
      int64_t left = remaining[i].item<int64_t>();
      if (state[i].phase == Phase::kDone) continue;
      if (left < 1) {
        state[i].phase = Phase::kDone;
        continue;
      }
      active.push_back(i);
      counts.push_back(std::min(options_.samples(), left));
    }
    if (active.empty()) break;
    auto active_t = torch::tensor(active, torch::kLong);
    auto rows = torch::repeat_interleave(active_t, torch::tensor(counts, torch::kLong));
    const int64_t m = rows.size(0);
    std::vector<double> lo(n), hi(n);
    for (int64_t i = 0; i < n; ++i) lo[i] = state[i].lo, hi[i] = state[i].hi;
    auto lo_rows = torch::tensor(lo, torch::kDouble).index_select(0, rows);
    auto hi_rows = torch::tensor(hi, torch::kDouble).index_select(0, rows);
    // Directions uniform on the sphere (normalised Gaussians), radii uniform in [lo, hi).
    // Each sample draws a full round from its own generator (the same in any batch) and
    // uses the first counts[i] of them.
    const int64_t full = options_.samples();
    auto used = (torch::arange(full, torch::kLong).unsqueeze(0) <
                 torch::tensor(counts, torch::kLong).unsqueeze(1)).flatten().nonzero().squeeze(1);
    auto u = oracle.per_sample(active_t, [&](at::Generator& g, int64_t) { return at::randn({1, full, d}, g, torch::kFloat32); })
                 .flatten(0, 1).index_select(0, used);
    auto fraction = oracle.per_sample(active_t, [&](at::Generator& g, int64_t) { return at::rand({1, full}, g, torch::kDouble); })
                        .flatten().index_select(0, used);
    u = u / u.norm(2, {1}, true).clamp_min(1e-12);
    auto radius = (lo_rows + (hi_rows - lo_rows) * fraction).to(torch::kFloat32);
    auto latents = z.index_select(0, rows.to(device)) + (u * radius.unsqueeze(1)).to(device);

    std::vector<RoundOutcome> outcome(n);
    for (int64_t start = 0; start < m; start += kChunkRows) {
      const int64_t end = std::min(m, start + kChunkRows);
      auto chunk_rows = rows.slice(0, start, end);
      auto images = bounds.clip(generator_(latents.slice(0, start, end)).to(device, torch::kFloat32));
      auto adv = oracle.is_adversarial(images, *criterion.select(chunk_rows), chunk_rows).to(torch::kCPU);
      torch::Tensor inside;
      if (epsilon()) {
        auto dist = threat().distance(x.index_select(0, chunk_rows.to(device)), images).to(torch::kCPU);
        inside = ~outside_ball(dist, *epsilon());
      }
      if (!inside.defined()) inside = torch::ones_like(adv);
      auto inside_acc = inside.accessor<bool, 1>();
      auto hits = adv.nonzero().squeeze(1);
      auto hits_acc = hits.accessor<int64_t, 1>();
      auto rows_acc = chunk_rows.accessor<int64_t, 1>();
      auto radius_acc = radius.accessor<float, 1>();
      std::vector<int64_t> take_row, take_sample;
      for (int64_t h = 0; h < hits.size(0); ++h) {
        const int64_t j = hits_acc[h];
        const int64_t i = rows_acc[j];
        const double r = radius_acc[start + j];
        auto& o = outcome[i];
        o.found = true;
        o.distance = std::min(o.distance, r);
        // Within eps first (the threat model's budget), then nearest in the latent space.
        const double key = r + (inside_acc[j] ? 0.0 : 1e9);
        if (key < best_key[i]) {
          best_key[i] = key;
          best_latent[i] = static_cast<float>(r);
          take_row.push_back(j);
          take_sample.push_back(i);
        }
      }
      // In row order: a later row of the same sample replaced an earlier one as nearer.
      for (size_t k = 0; k < take_row.size(); ++k)
        best_images.select(0, take_sample[k]).copy_(images.select(0, take_row[k]));
    }
    for (int64_t i : active) {
      const bool improved = outcome[i].found && best_latent[i].item<double>() < state[i].best;
      if (outcome[i].found) state[i].best = best_latent[i].item<double>();
      rule.update(state[i], outcome[i], improved);
    }
  }
  oracle.note_iterations(rounds);
  oracle.record("latent_distance", best_latent);
  return best_images;
}

}  // namespace advlab::gan
