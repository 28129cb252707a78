// advlab.list_attacks(): the registry, each attack with its parameters and defaults.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "bindings.h"

#include <torch/version.h>

namespace advlab::python {

namespace {

// Every option in effect with its default, read off an attack built from defaults: the
// attacks own their defaults, so nothing is repeated here. An option the attack cannot
// be built without ("pgd needs option 'eps'") is filled in to build it and reported as
// null (required). Attacks that need a file (a generator) report none.
std::string default_params(const AttackSpec& spec) {
  if (!spec.required_options.empty()) return "null";
  std::map<std::string, std::string> filled;
  for (int attempt = 0; attempt < 4; ++attempt) {
    try {
      auto params = make_attack(spec.name, filled)->params();
      for (const auto& [key, _] : filled) params[key] = nullptr;
      return params.dump();
    } catch (const Error& e) {
      const std::string what = e.what(), marker = "needs option '";
      auto at = what.find(marker);
      if (at == std::string::npos) return "null";
      auto key = what.substr(at + marker.size(), what.find('\'', at + marker.size()) - at - marker.size());
      if (filled.count(key)) return "null";
      filled[key] = "1";
    }
  }
  return "null";
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
