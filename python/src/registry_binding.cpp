// advlab.list_attacks(): the registry, each attack with its parameters and defaults.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "bindings.h"

#include <torch/version.h>

namespace advlab::python {

namespace {

// Every option in effect with its default, read off an attack built from defaults: the
// attacks own their defaults, so nothing is repeated here. Attacks that need an option
// to be built at all (a generator file) report none.
std::string default_params(const AttackSpec& spec) {
  if (!spec.required_options.empty()) return "null";
  try {
    return make_attack(spec.name, {})->params().dump();
  } catch (const Error&) {
    return "null";
  }
}

py::list list_attacks() {
  py::list out;
  for (const auto& spec : attack_registry()) {
    py::dict d;
    d["name"] = spec.name;
    d["help"] = spec.help;
    d["family"] = spec.family;
    d["norms"] = spec.norms;
    d["targeted"] = spec.targeted;
    d["minimum_norm"] = spec.minimum_norm;
    d["physical"] = spec.physical;
    d["required_options"] = spec.required_options;
    d["params_json"] = default_params(spec);
    out.append(d);
  }
  return out;
}

}  // namespace

void bind_registry(py::module_& m) {
  m.def("list_attacks", &list_attacks, "The attack registry as a list of dicts (params as JSON).");
  m.def("num_threads", [] {
        py::gil_scoped_release no_gil;
        return at::get_num_threads();
      },
      "Intra-op threads LibTorch uses inside advlab (torch.set_num_threads sets it).");
  m.def("torch_version", [] { return std::string(TORCH_VERSION); }, "The LibTorch advlab was built with.");
}

}  // namespace advlab::python
