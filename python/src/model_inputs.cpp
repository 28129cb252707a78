#include "model_inputs.h"

#include "advlab/core/error.h"

namespace advlab::python {

namespace {

// As the command line's check_labels_fit: a stray label would count as a sample the
// model can never get right.
void check_labels_fit(const torch::Tensor& labels, int64_t classes) {
  auto outside = ((labels < 0) | (labels >= classes)).nonzero();
  if (outside.size(0) == 0) return;
  const int64_t first = outside[0][0].item<int64_t>();
  throw Error(c10::str("labels: label ", labels[first].item<int64_t>(), " (sample ", first, ", one of ",
                       outside.size(0), " such) is outside the ", classes, " classes (0 to ", classes - 1,
                       ") of the model"));
}

// TorchScriptClassifier moves its module to the inputs' device; a module of the caller's
// must not be moved behind their back.
void check_module_device(const torch::jit::Module& module, const torch::Device& device) {
  for (const auto& p : module.parameters()) {
    ADVLAB_CHECK(p.device() == device, "the model is on ", p.device(), " but the inputs are on ", device,
                 ": move one of them (model.to(x.device))");
  }
}

}  // namespace

PreparedInputs prepare_inputs(const ModelSpec& spec, const torch::Tensor& inputs, const torch::Tensor& labels) {
  ADVLAB_CHECK(inputs.defined() && inputs.dim() >= 2, "inputs must be a tensor [N, C, ...], got ",
               inputs.defined() ? inputs.sizes() : c10::IntArrayRef{});
  ADVLAB_CHECK(inputs.size(0) > 0, "inputs hold no samples");
  ADVLAB_CHECK(at::isFloatingType(inputs.scalar_type()), "inputs must be floating point, got ",
               inputs.scalar_type());
  ADVLAB_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == inputs.size(0),
               "labels must be a tensor [N] with N = ", inputs.size(0), " (one per input), got ",
               labels.defined() ? labels.sizes() : c10::IntArrayRef{});
  ADVLAB_CHECK(!at::isFloatingType(labels.scalar_type()) && labels.scalar_type() != torch::kBool,
               "labels must be integer class indices, got ", labels.scalar_type());
  ADVLAB_CHECK(spec.mean.empty() || static_cast<int64_t>(spec.mean.size()) == inputs.size(1), "mean has ",
               spec.mean.size(), " values but the inputs have ", inputs.size(1), " channels");
  check_module_device(spec.module, inputs.device());

  ClassifierOptions options;
  options.bounds = {spec.lower, spec.upper};
  options.mean = spec.mean;
  options.std = spec.std;
  options.device = inputs.device();

  PreparedInputs prepared;
  prepared.dataset.images = inputs.to(torch::kFloat32);  // no copy when float32 already
  prepared.dataset.labels = labels.to(torch::kCPU, torch::kLong);
  prepared.dataset.source = "tensors";
  prepared.model = std::make_shared<TorchScriptClassifier>(spec.module, options);
  const int64_t classes = prepared.model->probe(inputs.sizes().slice(1).vec());
  check_labels_fit(prepared.dataset.labels, classes);
  prepared.dataset.num_classes = classes;
  for (int64_t k = 0; k < classes; ++k) prepared.dataset.class_names.push_back(std::to_string(k));
  prepared.model->require_finite_logits(prepared.dataset.images, "the model");
  return prepared;
}

torch::Tensor on_device_of(const torch::Tensor& t, const torch::Tensor& inputs) {
  return t.defined() ? t.to(inputs.device()) : t;
}

}  // namespace advlab::python
