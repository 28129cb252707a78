#pragma once
// Faster CPU kernels put in LibTorch's dispatcher in place of its own, for the whole
// process: the 2x2 max pool (max_pool_kernel.h, the same bits) and, on LibTorch 1.x,
// single-channel convolutions (single_channel_conv.h, the same sums to float rounding).
// Every TorchScriptClassifier on the CPU calls this; ADVLAB_TORCH_KERNELS=0 in the
// environment keeps LibTorch's own. Below: the executor setting for advlab's model calls.
namespace advlab {

// Once per process; returns whether the kernels are in place.
bool install_torch_kernels();

// While it lives, TorchScript's graph executor runs this thread's model calls without
// its optimisations, then goes back to what it was (the setting is LibTorch's, per thread).
// The optimising executor differentiates the model's own graph, with a ReLU backward of
// three tensor operations where autograd has one kernel: 22% of the small CNN's gradient
// pass. TorchScriptClassifier holds one around each CPU model call (unless
// ADVLAB_TORCH_KERNELS=0); freezing needs the optimiser (it inlines submodules' methods), so
// make_inference_module holds the opposite.
class GraphExecutorOptimize {
 public:
  explicit GraphExecutorOptimize(bool on);
  ~GraphExecutorOptimize();
  GraphExecutorOptimize(const GraphExecutorOptimize&) = delete;
  GraphExecutorOptimize& operator=(const GraphExecutorOptimize&) = delete;

 private:
  bool before_;
};

// Whether advlab's kernels and executor setting are wanted (ADVLAB_TORCH_KERNELS is not 0).
bool torch_kernels_enabled();

}  // namespace advlab
