#include "model_loading.h"

#include "advlab/core/error.h"
#include "option_values.h"

namespace advlab::cli {

namespace {

// A stray label (say 99 in a 10-class IDX file) would otherwise count as a sample the
// model can never get right.
void check_labels_fit(const data::Dataset& dataset, int64_t classes, const std::string& path) {
  if (dataset.size() == 0) return;
  auto outside = ((dataset.labels < 0) | (dataset.labels >= classes)).nonzero();
  if (outside.size(0) == 0) return;
  const int64_t first = outside[0][0].item<int64_t>();
  throw Error(c10::str(dataset.source, ": label ", dataset.labels[first].item<int64_t>(), " (sample ", first,
                       ", one of ", outside.size(0), " such) is outside the ", classes, " classes (0 to ",
                       classes - 1, ") of model ", path));
}

}  // namespace

void ModelFlags::add_to(CLI::App& cmd, bool required) {
  auto* m = cmd.add_option("--model", path, "TorchScript model file (.pt)");
  if (required) m->required();
  cmd.add_option("--device", device, "cpu, cuda or cuda:N")->capture_default_str();
  add_number_list(cmd, "--mean", mean, "per-channel mean the model expects (applied inside)");
  add_number_list(cmd, "--std", std, "per-channel std the model expects (applied inside)");
  cmd.add_option("--bounds-lower", lower, "smallest valid input value")->capture_default_str();
  cmd.add_option("--bounds-upper", upper, "largest valid input value")->capture_default_str();
  cmd.add_option("--pass-rows", pass_rows,
                 "rows per model call, the last call padded: one shape for every call makes a sample's result "
                 "independent of --batch-size and of the number of processes (BLAS rounds by shape); "
                 "0 = whole batches (faster where the BLAS prefers large ones); -1 = 8 on the CPU, 0 on a GPU")
      ->capture_default_str();
  cmd.add_flag("--plain-forward", plain_forward,
               "black-box score queries through the module as loaded, not its frozen, inference-optimised copy "
               "(agrees to float rounding, several times faster on the CPU; results are always verified on the module)");
}

std::shared_ptr<TorchScriptClassifier> ModelFlags::load(const data::Dataset& dataset) const {
  ClassifierOptions options;
  options.bounds = {lower, upper};
  options.mean = mean;
  options.std = std;
  ADVLAB_CHECK(pass_rows >= ClassifierOptions::kAutoPassRows, "--pass-rows must be >= 0 (or -1 for the default), got ",
               pass_rows);
  options.pass_rows = pass_rows;
  options.optimize_forward = !plain_forward;
  try {
    options.device = torch::Device(device);
  } catch (const std::exception&) {
    throw Error("invalid device '" + device + "' (expected cpu, cuda or cuda:N)");
  }
  ADVLAB_CHECK(!options.device.is_cuda() || torch::cuda::is_available(),
               "device '", device, "' requested but CUDA is not available in this build");
  auto shape = dataset.images.sizes().slice(1).vec();
  // Before the first forward pass, which would fail inside the model with a shape error.
  ADVLAB_CHECK(mean.empty() || static_cast<int64_t>(mean.size()) == shape[0], "--mean has ",
               mean.size(), " values but the images have ", shape[0], " channels");
  auto model = TorchScriptClassifier::load(path, options);
  int64_t classes = model->probe(shape);
  check_labels_fit(dataset, classes, path);
  ADVLAB_CHECK(dataset.num_classes <= classes, "model ", path, " outputs ", classes,
               " classes but the data has ", dataset.num_classes);
  model->require_finite_logits(dataset.images, "model " + path);
  return model;
}

}  // namespace advlab::cli
