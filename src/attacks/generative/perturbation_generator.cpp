#include "advlab/attacks/generative/perturbation_generator.h"

#include "advlab/core/error.h"
#include "advlab/io/zip_check.h"

#include <cmath>
#include <filesystem>

namespace advlab::gan {

AdvGanGenerator load_advgan_generator(const std::string& path) {
  ADVLAB_CHECK(std::filesystem::is_regular_file(path), "advgan: generator file not found: ", path);
  AdvGanGenerator g;
  io::verify_zip_checksums(path);  // torch does not check the archive's CRCs
  try {
    g.module = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception&) {  // torch::jit::ErrorReport is not a c10::Error
    throw Error("advgan: generator is not a TorchScript file (corrupt or wrong format): " + path);
  }
  for (const char* attr : {"eps", "norm", "target", "input_shape"})
    ADVLAB_CHECK(g.module.hasattr(attr), "advgan: ", path, " is not an AdvGAN generator (no attribute '",
                 attr, "'; train one with advlab advgan train)");
  try {
    g.eps = g.module.attr("eps").toDouble();
    g.norm = g.module.attr("norm").toStringRef();
    g.target = g.module.attr("target").toInt();
    g.input_shape = g.module.attr("input_shape").toIntVector();
  } catch (const c10::Error&) {
    throw Error("advgan: " + path + " has AdvGAN attributes of the wrong type");
  }
  ADVLAB_CHECK(std::isfinite(g.eps) && g.eps > 0, "advgan: ", path, " has eps ", g.eps);
  ADVLAB_CHECK(g.norm == "linf" || g.norm == "l2", "advgan: ", path, " has unknown norm '", g.norm, "'");
  g.module.eval();
  return g;
}

}  // namespace advlab::gan
