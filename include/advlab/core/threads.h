#pragma once
// LibTorch runs on one thread unless told; advlab uses every core by default.
namespace advlab {

// Sets torch's intra-op thread count: `requested` if > 0, else ADVLAB_THREADS from the
// environment if set (advlab::Error unless it is a whole number >= 1), else the number
// of cores. Returns the count in effect.
int configure_threads(int requested = 0);
// The count the last configure_threads() put in effect; 0 if it was never called (as in
// the Python module, where torch's own count holds).
int configured_threads();
// Back to no configured count, as in a process that never called configure_threads().
void forget_configured_threads();

// OpenBLAS's own thread pool (Debian's LibTorch calls it for matrix products; at::
// set_num_threads does not size it). Looked up at run time: 0 / no-op where the process
// has no OpenBLAS (the PyPI wheel's MKL is sized by at::set_num_threads).
int blas_threads();
void set_blas_threads(int n);

// Process-wide settings for tensor work: the thread count above, and a malloc that keeps
// freed memory instead of returning every large tensor to the kernel (glibc's default
// maps and unmaps each one, and the page faults cost ~40% of a training step here).
int configure_runtime(int requested_threads = 0);

}  // namespace advlab
