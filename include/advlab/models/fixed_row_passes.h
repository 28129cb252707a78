#pragma once
// Runs a model pass over a batch in slices of exactly `rows` rows, so that every call
// into the model has the same shape whatever the batch size.
//
// Why: BLAS libraries pick their matrix kernel from the matrix shape (OpenBLAS switches
// to its small-matrix kernel below a size that depends on the layer; MKL differs for
// fewer than ~6 rows), and the kernels round differently. A sample's logits and
// gradients then change in the last bit with the number of samples sharing its pass,
// which attacks that use gradient or loss values (FAB, ZOO, C&W, ...) amplify into
// different adversarials for different --batch-size or world sizes. With one shape per
// pass the result depends on the sample alone (tests/unit/fixed_row_passes_test.cpp).
#include <torch/types.h>

#include <functional>

namespace advlab {

using ModelPass = std::function<torch::Tensor(const torch::Tensor&)>;

// Requires: x has at least one row; pass maps [rows, ...] to [rows, ...].
// Ensures: the result equals pass over x (row i of the output is row i's output), with
// the last slice padded by copies of x's first row (detached: padding gets no gradient);
// rows <= 0 runs one pass over the whole batch.
torch::Tensor run_in_fixed_rows(const torch::Tensor& x, int64_t rows, const ModelPass& pass);

}  // namespace advlab
