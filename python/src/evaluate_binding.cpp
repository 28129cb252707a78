// advlab.evaluate(): a robustness evaluation of a batch, through eval::evaluate_robustness
// as `advlab eval` runs it, with the same report (JSON, HTML page, adversarials).
#include "advlab/core/error.h"
#include "advlab/eval/attack_suite.h"
#include "advlab/eval/evaluation_report.h"
#include "advlab/eval/robustness_evaluation.h"
#include "bindings.h"
#include "model_inputs.h"

#include <algorithm>
#include <iostream>

namespace advlab::python {

namespace {

// The report names its model and data; from Python there is no file to fingerprint.
const eval::EvaluationInputs kFromPython{"<torch.jit.ScriptModule from Python>", "tensors"};

struct EvaluationHandle {
  eval::RobustnessEvaluation evaluation;
  data::Dataset dataset;
  torch::Tensor inputs;

  std::vector<torch::Tensor> adversarials() const {
    std::vector<torch::Tensor> out;
    for (const auto& at : evaluation.per_eps) out.push_back(on_device_of(at.adversarials, inputs));
    return out;
  }
  std::vector<torch::Tensor> robust() const {
    std::vector<torch::Tensor> out;
    for (const auto& at : evaluation.per_eps) out.push_back(on_device_of(at.robust, inputs));
    return out;
  }
};

std::shared_ptr<EvaluationHandle> evaluate(
    torch::jit::Module module, torch::Tensor inputs, torch::Tensor labels, const std::string& norm,
    std::vector<double> eps, const std::string& suite, int64_t queries,
    std::map<std::string, std::map<std::string, std::string>> attack_options, bool individual, bool checks,
    uint64_t seed, int64_t batch_size, double lower, double upper, std::vector<double> mean,
    std::vector<double> std, bool progress) {
  py::gil_scoped_release no_gil;
  ADVLAB_CHECK(batch_size >= 1, "batch_size must be >= 1, got ", batch_size);
  eval::EvaluationOptions options;
  options.attacks = eval::resolve_suite(suite, norm);
  options.norm = norm;
  options.eps = std::move(eps);
  options.attack_options = std::move(attack_options);
  for (const auto& [attack, _] : options.attack_options)
    ADVLAB_CHECK(std::find(options.attacks.begin(), options.attacks.end(), attack) != options.attacks.end(),
                 "options name attack '", attack, "', which is not in the suite");
  // queries < 0: the suite's budget (Square's 5000 in `standard`), else 1000, as the CLI.
  options.queries = queries < 0 ? 1000 : queries;
  eval::merge_suite_budgets(suite, norm, options.attacks, options.attack_options, options.queries, queries >= 0);
  options.individual = individual;
  options.checks = checks;
  options.batch_size = batch_size;
  options.seed = seed;
  options.progress = progress ? &std::cerr : nullptr;

  auto prepared = prepare_inputs({module, lower, upper, std::move(mean), std::move(std)}, inputs, labels);
  auto handle = std::make_shared<EvaluationHandle>();
  handle->evaluation = eval::evaluate_robustness(*prepared.model, prepared.dataset, options);
  handle->dataset = std::move(prepared.dataset);
  handle->inputs = inputs;
  return handle;
}

}  // namespace

void bind_evaluate(py::module_& m) {
  py::class_<EvaluationHandle, std::shared_ptr<EvaluationHandle>>(m, "Evaluation")
      .def("json", [](const EvaluationHandle& h) {
        return eval::evaluation_json(h.evaluation, h.dataset, kFromPython).dump();
      })
      .def("adversarials", &EvaluationHandle::adversarials)
      .def("robust", &EvaluationHandle::robust)
      .def("save", [](const EvaluationHandle& h, const std::string& dir) {
        py::gil_scoped_release no_gil;
        eval::write_evaluation_report(dir, h.evaluation, h.dataset, kFromPython);
      });
  m.def("evaluate", &evaluate, py::arg("module"), py::arg("inputs"), py::arg("labels"), py::arg("norm"),
        py::arg("eps"), py::arg("suite"), py::arg("queries"), py::arg("attack_options"), py::arg("individual"),
        py::arg("checks"), py::arg("seed"), py::arg("batch_size"), py::arg("lower"), py::arg("upper"),
        py::arg("mean"), py::arg("std"), py::arg("progress"));
}

}  // namespace advlab::python
