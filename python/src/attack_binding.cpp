// advlab.attack(): one registered attack over a batch, through the same registry and
// batch runner (eval::run_attack) as `advlab attack`, so one seed gives the same result.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/eval/attack_report.h"
#include "advlab/eval/attack_run.h"
#include "bindings.h"
#include "model_inputs.h"

#include <iostream>

namespace advlab::python {

namespace {

// A finished run and the data it ran on, so it can still write the CLI's report folder.
struct AttackRunHandle {
  eval::AttackRun run;
  data::Dataset dataset;
  torch::Tensor inputs;  // to hand tensors back on the inputs' device

  py::dict tensors() const {
    const auto& r = run.result;
    py::dict d;
    d["adversarials"] = on_device_of(r.adversarials, inputs);
    d["success"] = on_device_of(r.success, inputs);
    d["predictions"] = on_device_of(r.predictions, inputs);
    d["queries"] = on_device_of(r.queries, inputs);
    d["gradients"] = on_device_of(r.gradients, inputs);
    d["clean_predictions"] = on_device_of(run.clean_predictions, inputs);
    py::dict distances;
    distances["l0"] = on_device_of(r.distances.l0, inputs);
    distances["l1"] = on_device_of(r.distances.l1, inputs);
    distances["l2"] = on_device_of(r.distances.l2, inputs);
    distances["linf"] = on_device_of(r.distances.linf, inputs);
    d["distances"] = distances;
    if (r.minimum_distance.defined()) d["minimum_distance"] = on_device_of(r.minimum_distance, inputs);
    if (run.targeted()) d["targets"] = on_device_of(run.targets, inputs);
    return d;
  }
};

std::shared_ptr<AttackRunHandle> attack(torch::jit::Module module, torch::Tensor inputs, torch::Tensor labels,
                                        const std::string& name, std::map<std::string, std::string> options,
                                        bool targeted, const std::string& target, std::optional<torch::Tensor> targets,
                                        uint64_t seed, int64_t batch_size, double lower, double upper,
                                        std::vector<double> mean, std::vector<double> std, bool progress) {
  py::gil_scoped_release no_gil;
  ADVLAB_CHECK(batch_size >= 1, "batch_size must be >= 1, got ", batch_size);
  auto attack = make_attack(name, options);  // validates before any forward pass

  eval::AttackRunOptions run_options;
  run_options.batch_size = batch_size;
  run_options.seed = seed;
  run_options.progress = progress ? &std::cerr : nullptr;
  if (targets) {
    ADVLAB_CHECK(targets->dim() == 1 && targets->size(0) == inputs.size(0) &&
                     !at::isFloatingType(targets->scalar_type()),
                 "targets must be class indices [N] with N = ", inputs.size(0), ", got ", targets->sizes(), " ",
                 targets->scalar_type());
    run_options.given_targets = targets->to(torch::kCPU, torch::kLong);
  } else if (targeted) {
    run_options.targets = TargetSelection::parse(target);
  }

  auto prepared = prepare_inputs({module, lower, upper, std::move(mean), std::move(std)}, inputs, labels);
  auto handle = std::make_shared<AttackRunHandle>();
  handle->run = eval::run_attack(*attack, *prepared.model, prepared.dataset, run_options);
  handle->dataset = std::move(prepared.dataset);
  handle->inputs = inputs;
  return handle;
}

}  // namespace

void bind_attack(py::module_& m) {
  py::class_<AttackRunHandle, std::shared_ptr<AttackRunHandle>>(m, "AttackRun")
      .def("tensors", &AttackRunHandle::tensors)
      .def("metrics_json", [](const AttackRunHandle& h) { return eval::summarize(h.run).dump(); })
      .def("save", [](const AttackRunHandle& h, const std::string& dir) {
        py::gil_scoped_release no_gil;
        eval::write_attack_report(dir, h.run, h.dataset);
      });
  m.def("attack", &attack, py::arg("module"), py::arg("inputs"), py::arg("labels"), py::arg("name"),
        py::arg("options"), py::arg("targeted"), py::arg("target"), py::arg("targets"), py::arg("seed"),
        py::arg("batch_size"), py::arg("lower"), py::arg("upper"), py::arg("mean"), py::arg("std"),
        py::arg("progress"));
}

}  // namespace advlab::python
