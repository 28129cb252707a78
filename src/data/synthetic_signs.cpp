// Sign rendering: inverse mapping. Every supersampled pixel is taken back through the
// viewpoint to sign coordinates (u, v) (the sign spans [-1, 1]^2, v points down), where
// the sign's shapes are simple inside-tests; shapes are painted back to front.
#include "advlab/data/synthetic_signs.h"

#include "advlab/core/error.h"
#include "advlab/core/seed_mix.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/StringUtil.h>
#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace advlab::data {
namespace detail_signs {

using Point = std::pair<double, double>;

// The uniform draws of one image come from a single rand() call (one op, not dozens).
class Uniforms {
 public:
  Uniforms(at::Generator& gen, int64_t count)
      : values_(torch::rand({count}, gen, torch::kDouble)), data_(values_.data_ptr<double>()) {}
  double operator()(double lo, double hi) {
    ADVLAB_CHECK(next_ < values_.numel(), "synthetic signs: ran out of uniform draws");
    return lo + (hi - lo) * data_[next_++];
  }

 private:
  torch::Tensor values_;
  const double* data_;
  int64_t next_ = 0;
};

// A sign face: flat-coloured shapes in sign coordinates, later ones painted on top.
struct Shape {
  enum Kind { kDisc, kRect, kPolygon } kind = kDisc;
  double r = 0, u0 = 0, v0 = 0, u1 = 0, v1 = 0;
  std::vector<std::array<double, 3>> edges;  // inside: a*u + b*v + c >= 0 for every edge

  bool contains(double u, double v) const {
    switch (kind) {
      case kDisc: return u * u + v * v <= r * r;
      case kRect: return u >= u0 && u <= u1 && v >= v0 && v <= v1;
      case kPolygon:
        for (const auto& e : edges) {
          if (e[0] * u + e[1] * v + e[2] < 0) return false;
        }
        return true;
    }
    return false;
  }
};

struct Layer {
  Shape shape;
  std::array<double, 3> rgb;
};

struct Face {
  std::vector<Layer> layers;

  // Colour of the topmost layer containing (u, v); false if none does.
  bool colour_at(double u, double v, float* rgb) const {
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
      if (it->shape.contains(u, v)) {
        for (int c = 0; c < 3; ++c) rgb[c] = static_cast<float>(it->rgb[c]);
        return true;
      }
    }
    return false;
  }
  void disc(double r, const std::array<double, 3>& rgb) {
    Shape s;
    s.r = r;
    layers.push_back({s, rgb});
  }
  void rect(double u0, double v0, double u1, double v1, const std::array<double, 3>& rgb) {
    Shape s;
    s.kind = Shape::kRect;
    s.u0 = u0, s.v0 = v0, s.u1 = u1, s.v1 = v1;
    layers.push_back({s, rgb});
  }
  // Convex polygon, vertices in either winding order.
  void polygon(const std::vector<Point>& p, const std::array<double, 3>& rgb) {
    double area = 0;
    for (size_t i = 0; i < p.size(); ++i) {
      const auto& a = p[i];
      const auto& b = p[(i + 1) % p.size()];
      area += a.first * b.second - b.first * a.second;
    }
    const double s = area >= 0 ? 1.0 : -1.0;
    Shape shape;
    shape.kind = Shape::kPolygon;
    for (size_t i = 0; i < p.size(); ++i) {
      const auto& a = p[i];
      const auto& b = p[(i + 1) % p.size()];
      // (b - a) x (q - a) >= 0, written as a linear function of q = (u, v).
      const double ea = -(b.second - a.second) * s, eb = (b.first - a.first) * s;
      shape.edges.push_back({ea, eb, -(ea * a.first + eb * a.second)});
    }
    layers.push_back({shape, rgb});
  }
};

std::vector<Point> regular_polygon(int sides, double radius, double phase_degrees) {
  std::vector<Point> p;
  for (int k = 0; k < sides; ++k) {
    double a = (phase_degrees + 360.0 * k / sides) * M_PI / 180.0;
    p.emplace_back(radius * std::cos(a), radius * std::sin(a));
  }
  return p;
}

std::vector<Point> scaled(std::vector<Point> p, Point centre, double factor) {
  for (auto& q : p) {
    q.first = centre.first + factor * (q.first - centre.first);
    q.second = centre.second + factor * (q.second - centre.second);
  }
  return p;
}

// 7-segment glyphs (a top, b top-right, c bottom-right, d bottom, e bottom-left,
// f top-left, g middle; m = a centred vertical stroke, for T).
const char* glyph_segments(char c) {
  switch (c) {
    case '0': case 'O': return "abcdef";
    case '3': return "abcdg";
    case '5': case 'S': return "acdfg";
    case '8': return "abcdefg";
    case 'P': return "abefg";
    case 'T': return "am";
    default: return "";
  }
}

// Glyphs of `text` centred at (0, cv): width w, height h, stroke t, gap between glyphs.
void add_glyphs(Face& face, const std::string& text, double cv, double w, double h, double t, double gap,
                const std::array<double, 3>& rgb) {
  const double total = text.size() * w + (text.size() - 1) * gap;
  for (size_t i = 0; i < text.size(); ++i) {
    const double l = -total / 2 + i * (w + gap), r = l + w, top = cv - h / 2, bottom = cv + h / 2;
    const double cu = (l + r) / 2;
    for (const char* s = glyph_segments(text[i]); *s; ++s) {
      switch (*s) {
        case 'a': face.rect(l, top, r, top + t, rgb); break;
        case 'b': face.rect(r - t, top, r, cv + t / 2, rgb); break;
        case 'c': face.rect(r - t, cv - t / 2, r, bottom, rgb); break;
        case 'd': face.rect(l, bottom - t, r, bottom, rgb); break;
        case 'e': face.rect(l, cv - t / 2, l + t, bottom, rgb); break;
        case 'f': face.rect(l, top, l + t, cv + t / 2, rgb); break;
        case 'g': face.rect(l, cv - t / 2, r, cv + t / 2, rgb); break;
        case 'm': face.rect(cu - t / 2, top, cu + t / 2, bottom, rgb); break;
      }
    }
  }
}

struct Palette {
  std::array<double, 3> red, white, black, blue, yellow;
};

std::array<double, 3> jitter(std::array<double, 3> c, Uniforms& uniform, double amount) {
  for (auto& x : c) x = std::clamp(x + uniform(-amount, amount), 0.0, 1.0);
  return c;
}

// The sign faces. Labels follow sign_class_names().
void add_sign(Face& face, int64_t label, const Palette& p) {
  switch (label) {
    case 0: {  // keep-right: blue disc, white arrow pointing down-right
      face.disc(1.0, p.blue);
      const double d = std::sqrt(0.5);
      auto at = [d](double along, double across) {
        return Point{d * along + d * across, d * along - d * across};
      };
      face.polygon({at(-0.6, -0.12), at(0.1, -0.12), at(0.1, 0.12), at(-0.6, 0.12)}, p.white);
      face.polygon({at(0.0, -0.34), at(0.62, 0.0), at(0.0, 0.34)}, p.white);
      break;
    }
    case 1:  // no-entry: red disc, white bar
      face.disc(1.0, p.red);
      face.rect(-0.68, -0.17, 0.68, 0.17, p.white);
      break;
    case 2: {  // priority road: white diamond, yellow centre
      auto diamond = regular_polygon(4, 1.0, 90);
      face.polygon(diamond, p.white);
      face.polygon(scaled(diamond, {0, 0}, 0.68), p.yellow);
      break;
    }
    case 3: case 4: case 5: {  // speed limits: red ring, white disc, black number
      static const char* numbers[] = {"30", "50", "80"};
      face.disc(1.0, p.red);
      face.disc(0.78, p.white);
      add_glyphs(face, numbers[label - 3], 0.0, 0.40, 0.92, 0.17, 0.10, p.black);
      break;
    }
    case 6:  // stop: white-rimmed red octagon, white STOP
      face.polygon(regular_polygon(8, 1.0, 22.5), p.white);
      face.polygon(regular_polygon(8, 0.9, 22.5), p.red);
      add_glyphs(face, "STOP", 0.0, 0.28, 0.46, 0.09, 0.09, p.white);
      break;
    case 7: {  // yield: inverted triangle, red border, white inside
      std::vector<Point> triangle{{-1.0, -0.8}, {1.0, -0.8}, {0.0, 0.93}};
      face.polygon(triangle, p.red);
      face.polygon(scaled(triangle, {0.0, -0.223}, 0.58), p.white);
      break;
    }
  }
}

// Smooth random background at N x N: a two-colour gradient, a coarse colour texture and
// a few Gaussian blobs, so the classifier must look at the sign, not the scene.
torch::Tensor random_background(const torch::Tensor& x, const torch::Tensor& y, int64_t n,
                                Uniforms& uniform, at::Generator& gen) {
  auto colour = [&] {
    return torch::tensor({uniform(0.05, 0.95), uniform(0.05, 0.95), uniform(0.05, 0.95)}, torch::kFloat32)
        .view({3, 1, 1});
  };
  const double angle = uniform(0, 2 * M_PI);
  auto ramp = ((x * std::cos(angle) + y * std::sin(angle)) * 0.5 + 0.5).clamp(0, 1).unsqueeze(0);
  auto c0 = colour(), c1 = colour();
  auto bg = c0 + (c1 - c0) * ramp;
  auto texture = torch::rand({1, 3, 4, 4}, gen, torch::kFloat32);
  texture = torch::nn::functional::interpolate(
                texture, torch::nn::functional::InterpolateFuncOptions()
                             .size(std::vector<int64_t>{n, n})
                             .mode(torch::kBilinear)
                             .align_corners(false))
                .squeeze(0);
  bg = bg * 0.8 + texture * 0.2;
  const int blobs = static_cast<int>(uniform(1, 4.999));
  for (int b = 0; b < blobs; ++b) {
    const double bx = uniform(-1, 1), by = uniform(-1, 1), sigma = uniform(0.15, 0.6), alpha = uniform(0.3, 0.9);
    auto g = (-((x - bx) * (x - bx) + (y - by) * (y - by)) / (2 * sigma * sigma)).exp().unsqueeze(0) * alpha;
    bg = bg * (1 - g) + colour() * g;
  }
  return bg;
}

torch::Tensor gaussian_blur(const torch::Tensor& image, double sigma) {
  const int64_t radius = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(2.5 * sigma)));
  auto t = torch::arange(-radius, radius + 1, torch::kFloat32);
  auto k = (-(t * t) / (2 * sigma * sigma)).exp();
  k = k / k.sum();
  namespace F = torch::nn::functional;
  const int64_t c = image.size(1);
  auto padded = F::pad(image, F::PadFuncOptions({radius, radius, radius, radius}).mode(torch::kReplicate));
  auto rows = F::conv2d(padded, k.view({1, 1, 1, -1}).repeat({c, 1, 1, 1}), F::Conv2dFuncOptions().groups(c));
  return F::conv2d(rows, k.view({1, 1, -1, 1}).repeat({c, 1, 1, 1}), F::Conv2dFuncOptions().groups(c));
}

void check_scene(const SignSceneOptions& s) {
  ADVLAB_CHECK(s.size >= 8 && s.size <= 512, "synthetic signs: size must be in [8, 512], got ", s.size);
  ADVLAB_CHECK(s.supersample >= 1 && s.supersample <= 8,
               "synthetic signs: supersample must be in [1, 8], got ", s.supersample);
  ADVLAB_CHECK(s.min_scale > 0 && s.min_scale <= s.max_scale,
               "synthetic signs: need 0 < min_scale <= max_scale, got ", s.min_scale, " and ", s.max_scale);
  ADVLAB_CHECK(s.min_brightness > 0 && s.min_brightness <= s.max_brightness,
               "synthetic signs: need 0 < min_brightness <= max_brightness, got ", s.min_brightness, " and ",
               s.max_brightness);
  ADVLAB_CHECK(s.max_perspective >= 0 && s.max_perspective < 0.5,
               "synthetic signs: max_perspective must be in [0, 0.5), got ", s.max_perspective);
  ADVLAB_CHECK(s.max_squash >= 0 && s.max_squash < 1, "synthetic signs: max_squash must be in [0, 1), got ",
               s.max_squash);
  ADVLAB_CHECK(s.max_contrast_loss >= 0 && s.max_contrast_loss < 1,
               "synthetic signs: max_contrast_loss must be in [0, 1), got ", s.max_contrast_loss);
  for (auto [name, value] : {std::pair<const char*, double>{"max_shift", s.max_shift},
                             {"max_rotation", s.max_rotation},
                             {"max_color_cast", s.max_color_cast},
                             {"max_blur", s.max_blur},
                             {"max_noise", s.max_noise}}) {
    ADVLAB_CHECK(value >= 0, "synthetic signs: ", name, " must be >= 0, got ", value);
  }
}

uint64_t splitmix64(uint64_t x) { return derived_seed(x, 0); }

}  // namespace detail_signs

const std::vector<std::string>& sign_class_names() {
  static const std::vector<std::string> names{"keep-right", "no-entry", "priority", "speed-30",
                                              "speed-50",   "speed-80", "stop",     "yield"};
  return names;
}

int64_t sign_class_index(const std::string& name) {
  const auto& names = sign_class_names();
  auto it = std::find(names.begin(), names.end(), name);
  ADVLAB_CHECK(it != names.end(), "unknown sign class '", name, "'; known: ", c10::Join(", ", names));
  return it - names.begin();
}

torch::Tensor render_sign(int64_t label, const SignSceneOptions& scene, at::Generator& generator) {
  using namespace detail_signs;
  const auto classes = static_cast<int64_t>(sign_class_names().size());
  ADVLAB_CHECK(label >= 0 && label < classes, "synthetic signs: label must be in [0, ", classes, "), got ", label);
  check_scene(scene);
  torch::NoGradGuard no_grad;
  Uniforms uniform(generator, 128);

  // Background pixel centres in [-1, 1], x right, y down. The background is smooth, so
  // only the sign (sharp edges) is supersampled.
  const int64_t size = scene.size, n = scene.size * scene.supersample;
  auto axis = (torch::arange(size, torch::kFloat32) + 0.5) * (2.0 / size) - 1.0;
  auto grid = torch::meshgrid({axis, axis}, "ij");
  auto y = grid[0], x = grid[1];

  // Viewpoint: image = shift . rotate . scale(radius * squash, radius) . perspective(sign).
  // Its inverse, applied step by step below, takes each pixel back to the sign plane.
  const double radius = uniform(scene.min_scale, scene.max_scale);
  const double cx = uniform(-2 * scene.max_shift, 2 * scene.max_shift);
  const double cy = uniform(-2 * scene.max_shift, 2 * scene.max_shift);
  const double theta = uniform(-scene.max_rotation, scene.max_rotation) * M_PI / 180.0;
  const double squash = 1.0 - uniform(0, scene.max_squash);
  const double px = uniform(-scene.max_perspective, scene.max_perspective);
  const double py = uniform(-scene.max_perspective, scene.max_perspective);
  Palette palette{jitter({0.80, 0.10, 0.12}, uniform, 0.07), jitter({0.94, 0.94, 0.92}, uniform, 0.05),
                  jitter({0.08, 0.08, 0.08}, uniform, 0.05), jitter({0.10, 0.30, 0.75}, uniform, 0.07),
                  jitter({0.95, 0.78, 0.10}, uniform, 0.07)};
  Face face;
  if (uniform(0, 1) < 0.5) {  // a pole below the sign, behind it
    const double grey = uniform(0.3, 0.65);
    face.rect(-0.08, 0.5, 0.08, 4.0, {grey, grey, grey});
  }
  add_sign(face, label, palette);
  auto background = random_background(x, y, size, uniform, generator);

  // The sign at n x n, pixel by pixel (a scalar loop: per-shape tensor ops cost ~20x more
  // here), as premultiplied colour + coverage, so averaging blocks anti-aliases the edges.
  auto sign = torch::zeros({4, n, n}, torch::kFloat32);
  float* out = sign.data_ptr<float>();
  const int64_t plane_size = n * n;
  const double ct = std::cos(theta), st = std::sin(theta);
  for (int64_t iy = 0; iy < n; ++iy) {
    const double dy = (iy + 0.5) * (2.0 / n) - 1.0 - cy;
    for (int64_t ix = 0; ix < n; ++ix) {
      const double dx = (ix + 0.5) * (2.0 / n) - 1.0 - cx;
      const double a = (dx * ct + dy * st) / (radius * squash);
      const double b = (dy * ct - dx * st) / radius;
      const double w = 1.0 - px * a - py * b;
      if (w <= 0.05) continue;  // beyond the sign plane's horizon
      float rgb[3];
      if (face.colour_at(a / w, b / w, rgb)) {
        for (int c = 0; c < 3; ++c) out[c * plane_size + iy * n + ix] = rgb[c];
        out[3 * plane_size + iy * n + ix] = 1.0f;
      }
    }
  }

  namespace F = torch::nn::functional;
  auto pooled = F::avg_pool2d(sign.unsqueeze(0), F::AvgPool2dFuncOptions(scene.supersample));
  auto coverage = pooled.slice(1, 3, 4);
  auto image = pooled.slice(1, 0, 3) + (1 - coverage) * background.unsqueeze(0);

  // Lighting: contrast around the mean, then brightness with a slight colour cast.
  const double contrast = 1.0 - uniform(0, scene.max_contrast_loss);
  const double brightness = uniform(scene.min_brightness, scene.max_brightness);
  auto gain = torch::tensor({brightness * (1 + uniform(-scene.max_color_cast, scene.max_color_cast)),
                             brightness * (1 + uniform(-scene.max_color_cast, scene.max_color_cast)),
                             brightness * (1 + uniform(-scene.max_color_cast, scene.max_color_cast))},
                            torch::kFloat32)
                  .view({1, 3, 1, 1});
  auto mean = image.mean();
  image = ((image - mean) * contrast + mean) * gain;

  const double sigma = uniform(0, scene.max_blur);
  if (sigma > 0.1) image = gaussian_blur(image, sigma);
  const double noise = uniform(0, scene.max_noise);
  image = image + torch::randn(image.sizes(), generator, torch::kFloat32) * noise;
  return image.clamp(0, 1).squeeze(0);
}

SignSceneOptions closeup_sign_scene(int64_t size) {
  SignSceneOptions scene;
  scene.size = size;
  scene.min_scale = 0.9;
  scene.max_scale = 0.97;
  scene.max_shift = 0.02;
  scene.max_rotation = 4;
  scene.max_squash = 0.05;
  scene.max_perspective = 0.03;
  return scene;
}

torch::Tensor render_sign_closeups(int64_t label, int64_t count, int64_t size, uint64_t seed) {
  ADVLAB_CHECK(count >= 1, "sign close-ups: count must be >= 1, got ", count);
  auto scene = closeup_sign_scene(size);
  detail_signs::check_scene(scene);
  auto images = torch::empty({count, 3, size, size}, torch::kFloat32);
  for (int64_t i = 0; i < count; ++i) {
    // A stream of its own (split 2), apart from the train (0) and test (1) renders.
    uint64_t h = detail_signs::splitmix64(detail_signs::splitmix64(seed) ^ 2u);
    h = detail_signs::splitmix64(h ^ static_cast<uint64_t>(label));
    h = detail_signs::splitmix64(h ^ static_cast<uint64_t>(i));
    auto gen = at::make_generator<at::CPUGeneratorImpl>(h);
    images[i] = render_sign(label, scene, gen);
  }
  return (images * 255.0).round() / 255.0;
}

SignDatasets make_sign_datasets(const SignDatasetOptions& options, const SignProgress& progress) {
  ADVLAB_CHECK(options.per_class_train >= 1, "synthetic signs: per_class_train must be >= 1, got ",
               options.per_class_train);
  ADVLAB_CHECK(options.per_class_test >= 1, "synthetic signs: per_class_test must be >= 1, got ",
               options.per_class_test);
  SignSceneOptions scene;
  scene.size = options.size;
  detail_signs::check_scene(scene);

  const auto& names = sign_class_names();
  const auto classes = static_cast<int64_t>(names.size());
  const int64_t total = classes * (options.per_class_train + options.per_class_test);
  int64_t done = 0;
  auto render_split = [&](int split, int64_t per_class) {
    Dataset set;
    set.images = torch::empty({classes * per_class, 3, options.size, options.size}, torch::kFloat32);
    set.labels = torch::arange(classes, torch::kInt64).repeat_interleave(per_class);
    for (int64_t c = 0; c < classes; ++c) {
      for (int64_t i = 0; i < per_class; ++i) {
        uint64_t h = detail_signs::splitmix64(options.seed);
        h = detail_signs::splitmix64(h ^ static_cast<uint64_t>(split));
        h = detail_signs::splitmix64(h ^ static_cast<uint64_t>(c));
        h = detail_signs::splitmix64(h ^ static_cast<uint64_t>(i));
        auto gen = at::make_generator<at::CPUGeneratorImpl>(h);
        set.images[c * per_class + i] = render_sign(c, scene, gen);
        ++done;
        if (progress && (done % 64 == 0 || done == total)) progress(done, total);
      }
    }
    // Multiples of 1/255, as an 8-bit PNG stores them.
    set.images = (set.images * 255.0).round() / 255.0;
    set.num_classes = classes;
    set.class_names = names;
    set.source = "synthetic-signs:" + std::string(split == 0 ? "train" : "test") + ":seed=" +
                 std::to_string(options.seed);
    return set;
  };
  SignDatasets out;
  out.train = render_split(0, options.per_class_train);
  out.test = render_split(1, options.per_class_test);
  return out;
}

}  // namespace advlab::data
