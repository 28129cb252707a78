#include "advlab/models/torch_kernels.h"

#include "advlab/models/max_pool_kernel.h"
#include "advlab/models/single_channel_conv.h"

#include <c10/util/Exception.h>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/library.h>
#include <torch/version.h>

#include <cstdlib>
#include <cstring>

namespace advlab {

namespace {

// LibTorch warns that a kernel is replaced; that is the point here.
class QuietWarnings : public c10::WarningHandler {
 public:
#if TORCH_VERSION_MAJOR >= 2
  void process(const c10::Warning&) override {}
#else
  void process(const c10::SourceLocation&, const std::string&, bool) override {}
#endif
};

}  // namespace

bool install_torch_kernels() {
  static const bool installed = [] {
    if (!torch_kernels_enabled()) return false;
    QuietWarnings quiet;
#if TORCH_VERSION_MAJOR >= 2
    c10::WarningUtils::WarningHandlerGuard guard(&quiet);
#else
    c10::Warning::WarningHandlerGuard guard(&quiet);
#endif
    // Kept for the process's lifetime: destroying it would take the registrations back.
    auto* library = new torch::Library(torch::Library::IMPL, "aten", c10::DispatchKey::CPU, __FILE__, __LINE__);
    library->impl("max_pool2d_with_indices", TORCH_FN(fast_max_pool2d_with_indices));
#if TORCH_VERSION_MAJOR < 2
    // Both directions: oneDNN's backward is as slow as its forward for this case.
    library->impl("mkldnn_convolution", TORCH_FN(single_channel_conv_forward));
    library->impl("convolution_backward", TORCH_FN(single_channel_conv_backward));
#endif
    return true;
  }();
  return installed;
}

bool torch_kernels_enabled() {
  static const bool enabled = [] {
    const char* env = std::getenv("ADVLAB_TORCH_KERNELS");
    return !(env && std::strcmp(env, "0") == 0);
  }();
  return enabled;
}

GraphExecutorOptimize::GraphExecutorOptimize(bool on) : before_(torch::jit::getGraphExecutorOptimize()) {
  torch::jit::setGraphExecutorOptimize(on);
}

GraphExecutorOptimize::~GraphExecutorOptimize() { torch::jit::setGraphExecutorOptimize(before_); }

}  // namespace advlab
