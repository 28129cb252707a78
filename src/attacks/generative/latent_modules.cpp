#include "advlab/attacks/generative/latent_modules.h"

#include "advlab/core/error.h"
#include "advlab/io/zip_check.h"

#include <torch/torch.h>

#include <filesystem>

namespace advlab::gan {

namespace {

torch::jit::Module latent_load_file(const std::string& path, const std::string& what) {
  ADVLAB_CHECK(!path.empty(), what, ": no file given");
  ADVLAB_CHECK(std::filesystem::is_regular_file(path), what, " file not found: ", path);
  io::verify_zip_checksums(path);  // torch does not check the archive's CRCs
  try {
    return torch::jit::load(path, torch::kCPU);
  } catch (const std::exception&) {  // torch::jit::ErrorReport is not a c10::Error
    throw Error(c10::str(what, " ", path, " is not a TorchScript file (corrupt or wrong format)"));
  }
}

int64_t latent_int_attr(const torch::jit::Module& m, const std::string& name, const std::string& what) {
  ADVLAB_CHECK(m.hasattr(name), what, " has no attribute '", name, "' (see the file contract in docs/attacks/natural.md)");
  auto v = m.attr(name);
  ADVLAB_CHECK(v.isInt(), what, ": attribute '", name, "' must be an int, got ", v.tagKind());
  return v.toInt();
}

std::string latent_string_attr(const torch::jit::Module& m, const std::string& name, const std::string& what) {
  ADVLAB_CHECK(m.hasattr(name), what, " has no attribute '", name, "' (see the file contract in docs/attacks/natural.md)");
  auto v = m.attr(name);
  ADVLAB_CHECK(v.isString(), what, ": attribute '", name, "' must be a str, got ", v.tagKind());
  return v.toStringRef();
}

std::vector<int64_t> latent_shape_attr(const torch::jit::Module& m, const std::string& name, const std::string& what) {
  ADVLAB_CHECK(m.hasattr(name), what, " has no attribute '", name, "' (see the file contract in docs/attacks/natural.md)");
  auto v = m.attr(name);
  std::vector<int64_t> shape;
  if (v.isIntList()) {
    shape = v.toIntVector();
  } else if (v.isList()) {
    for (const auto& e : v.toListRef()) {
      ADVLAB_CHECK(e.isInt(), what, ": attribute '", name, "' must be a list of ints");
      shape.push_back(e.toInt());
    }
  } else {
    throw Error(c10::str(what, ": attribute '", name, "' must be a list of ints [C, H, W], got ", v.tagKind()));
  }
  bool positive = shape.size() == 3;
  for (auto s : shape) positive = positive && s > 0;
  ADVLAB_CHECK(positive, what, ": attribute '", name, "' must be [C, H, W] with positive sizes, got ",
               c10::IntArrayRef(shape));
  return shape;
}

torch::Tensor latent_forward(torch::jit::Module& m, const torch::Tensor& input, const std::string& what) {
  try {
    return m.forward({input}).toTensor();
  } catch (const c10::Error& e) {
    throw Error(c10::str(what, ": forward failed on input of shape ", input.sizes(), ": ",
                         std::string(e.what_without_backtrace()).substr(0, 200)));
  }
}

torch::Device latent_device(const torch::jit::Module& m) {
  for (const auto& p : m.parameters()) return p.device();
  for (const auto& b : m.buffers()) return b.device();
  return torch::kCPU;
}

void latent_freeze(torch::jit::Module& m) {
  for (auto p : m.parameters()) p.requires_grad_(false);
  m.eval();
}

}  // namespace

torch::Tensor LatentGenerator::operator()(const torch::Tensor& z) {
  return latent_forward(module, z.to(latent_device(module), torch::kFloat32), "generator " + path);
}

void LatentGenerator::to(torch::Device device) {
  if (latent_device(module) != device) module.to(device);
}

torch::Tensor LatentInverter::operator()(const torch::Tensor& x) {
  return latent_forward(module, x.to(latent_device(module), torch::kFloat32), "inverter " + path);
}

void LatentInverter::to(torch::Device device) {
  if (latent_device(module) != device) module.to(device);
}

LatentGenerator as_latent_generator(torch::jit::Module module, const std::string& name) {
  const std::string what = "generator " + name;
  LatentGenerator g;
  g.latent_dim = latent_int_attr(module, "latent_dim", what);
  ADVLAB_CHECK(g.latent_dim >= 1, what, ": latent_dim must be >= 1, got ", g.latent_dim);
  g.output_shape = latent_shape_attr(module, "output_shape", what);
  g.architecture = latent_string_attr(module, "architecture", what);
  g.path = name;
  latent_freeze(module);
  g.module = module;
  torch::NoGradGuard no_grad;
  auto out = latent_forward(g.module, torch::zeros({2, g.latent_dim}), what);
  std::vector<int64_t> expected = {2, g.output_shape[0], g.output_shape[1], g.output_shape[2]};
  ADVLAB_CHECK(out.sizes() == c10::IntArrayRef(expected), what, ": forward of 2 latents gave shape ", out.sizes(),
               ", but output_shape says ", c10::IntArrayRef(expected));
  return g;
}

LatentInverter as_latent_inverter(torch::jit::Module module, const std::string& name) {
  const std::string what = "inverter " + name;
  LatentInverter inv;
  inv.latent_dim = latent_int_attr(module, "latent_dim", what);
  ADVLAB_CHECK(inv.latent_dim >= 1, what, ": latent_dim must be >= 1, got ", inv.latent_dim);
  inv.input_shape = latent_shape_attr(module, "input_shape", what);
  inv.architecture = latent_string_attr(module, "architecture", what);
  inv.path = name;
  latent_freeze(module);
  inv.module = module;
  torch::NoGradGuard no_grad;
  const auto& s = inv.input_shape;
  auto out = latent_forward(inv.module, torch::full({2, s[0], s[1], s[2]}, 0.5), what);
  ADVLAB_CHECK(out.dim() == 2 && out.size(0) == 2 && out.size(1) == inv.latent_dim, what,
               ": forward of 2 images gave shape ", out.sizes(), ", but latent_dim is ", inv.latent_dim);
  return inv;
}

LatentGenerator load_latent_generator(const std::string& path) {
  return as_latent_generator(latent_load_file(path, "generator"), path);
}

LatentInverter load_latent_inverter(const std::string& path) {
  return as_latent_inverter(latent_load_file(path, "inverter"), path);
}

void check_inverter_fits(const LatentGenerator& generator, const LatentInverter& inverter) {
  ADVLAB_CHECK(generator.latent_dim == inverter.latent_dim, "inverter ", inverter.path, " has latent_dim ",
               inverter.latent_dim, " but generator ", generator.path, " has latent_dim ", generator.latent_dim);
  ADVLAB_CHECK(generator.output_shape == inverter.input_shape, "inverter ", inverter.path, " reads images of shape ",
               c10::IntArrayRef(inverter.input_shape), " but generator ", generator.path, " makes ",
               c10::IntArrayRef(generator.output_shape));
}

}  // namespace advlab::gan
