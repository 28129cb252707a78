#include "model_loading.h"

#include "advlab/core/error.h"

namespace advlab::cli {

void ModelFlags::add_to(CLI::App& cmd, bool required) {
  auto* m = cmd.add_option("--model", path, "TorchScript model file (.pt)");
  if (required) m->required();
  cmd.add_option("--device", device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd.add_option("--mean", mean, "per-channel mean the model expects (applied inside)")->delimiter(',');
  cmd.add_option("--std", std, "per-channel std the model expects (applied inside)")->delimiter(',');
  cmd.add_option("--bounds-lower", lower, "smallest valid input value")->capture_default_str();
  cmd.add_option("--bounds-upper", upper, "largest valid input value")->capture_default_str();
}

std::shared_ptr<TorchScriptClassifier> ModelFlags::load(const data::Dataset& dataset) const {
  ClassifierOptions options;
  options.bounds = {lower, upper};
  options.mean = mean;
  options.std = std;
  try {
    options.device = torch::Device(device);
  } catch (const std::exception&) {
    throw Error("invalid device '" + device + "' (expected cpu, cuda or cuda:N)");
  }
  ADVLAB_CHECK(!options.device.is_cuda() || torch::cuda::is_available(),
               "device '", device, "' requested but CUDA is not available in this build");
  auto model = TorchScriptClassifier::load(path, options);
  auto shape = dataset.images.sizes().slice(1).vec();
  int64_t classes = model->probe(shape);
  ADVLAB_CHECK(dataset.num_classes <= classes, "model ", path, " outputs ", classes,
               " classes but the data has ", dataset.num_classes);
  ADVLAB_CHECK(mean.empty() || static_cast<int64_t>(mean.size()) == shape[0], "--mean has ",
               mean.size(), " values but the images have ", shape[0], " channels");
  return model;
}

}  // namespace advlab::cli
