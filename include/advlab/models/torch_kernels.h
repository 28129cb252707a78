#pragma once
// Faster CPU kernels put in LibTorch's dispatcher in place of its own, for the whole
// process: the 2x2 max pool (max_pool_kernel.h, the same bits) and, on LibTorch 1.x,
// single-channel convolutions (single_channel_conv.h, the same sums to float rounding).
// Every TorchScriptClassifier on the CPU calls this; ADVLAB_TORCH_KERNELS=0 in the
// environment keeps LibTorch's own.
namespace advlab {

// Once per process; returns whether the kernels are in place.
bool install_torch_kernels();

// TorchScript's graph executor without its optimisations, for the whole process: the
// model's backward through autograd's own kernels. For processes that load their models
// from files (the command line, the benchmarks: configure_runtime() calls it): a module
// scripted in the same Python process runs its submodules' methods through the
// optimiser's inlining, and without it LibTorch cannot find them. A no-op with
// ADVLAB_TORCH_KERNELS=0.
void use_plain_graph_executor();

}  // namespace advlab
