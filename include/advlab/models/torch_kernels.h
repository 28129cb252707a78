#pragma once
// Faster CPU kernels put in LibTorch's dispatcher in place of its own, for the whole
// process: the 2x2 max pool (max_pool_kernel.h, the same bits) and, on LibTorch 1.x,
// single-channel convolutions (single_channel_conv.h, the same sums to float rounding);
// and TorchScript's graph executor without its optimisations (autograd's own kernels).
// Every TorchScriptClassifier on the CPU calls this; ADVLAB_TORCH_KERNELS=0 in the
// environment keeps LibTorch's own.
namespace advlab {

// Once per process; returns whether the kernels are in place.
bool install_torch_kernels();

}  // namespace advlab
