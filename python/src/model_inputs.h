#pragma once
// A TorchScript module and a batch of tensors from Python, checked as the command line
// checks a model file and a dataset (model_loading.cpp), without copying the tensors.
#include "advlab/data/dataset.h"
#include "advlab/models/classifier.h"

#include <torch/script.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace advlab::python {

struct ModelSpec {
  torch::jit::Module module;
  double lower = 0.0, upper = 1.0;  // bounds of valid inputs
  std::vector<double> mean, std;    // per channel, applied inside the classifier
};

struct PreparedInputs {
  std::shared_ptr<TorchScriptClassifier> model;  // on the inputs' device
  data::Dataset dataset;                         // images as given; labels int64 on the CPU
};

// Throws advlab::Error for inputs that are not [N, C, ...] floats with N int64 labels,
// a model on another device than the inputs, labels outside the model's classes, or
// NaN/inf logits.
PreparedInputs prepare_inputs(const ModelSpec& spec, const torch::Tensor& inputs, const torch::Tensor& labels);

// Per-sample result tensors back on the device the inputs came from.
torch::Tensor on_device_of(const torch::Tensor& t, const torch::Tensor& inputs);

}  // namespace advlab::python
