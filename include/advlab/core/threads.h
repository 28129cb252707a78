#pragma once
// LibTorch runs on one thread unless told; advlab uses every core by default.
namespace advlab {

// Sets torch's intra-op thread count: `requested` if > 0, else the number of cores.
// Returns the count in effect.
int configure_threads(int requested = 0);

}  // namespace advlab
