// advlab.list_attacks(): the registry, each attack with its parameters and defaults.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "bindings.h"

#include <torch/version.h>

namespace advlab::python {

namespace {

// The attack's parameter table (attacks/param_table.h), the same rows `advlab list-attacks
// NAME` prints: name, type, default (null: required, or none), range, help, older names.
std::string parameter_table(const AttackSpec& spec) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& p : spec.params)
    rows.push_back({{"name", p.name},
                    {"type", param_type_name(p.type)},
                    {"default", p.default_value},
                    {"required", p.required},
                    {"range", p.range},
                    {"help", p.help},
                    {"aliases", p.aliases}});
  return rows.dump();
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
    d["table_json"] = parameter_table(spec);
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
