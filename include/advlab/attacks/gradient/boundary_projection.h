#pragma once
// Minimal-norm steps onto a hyperplane intersected with the input box: the geometric core
// of FAB (Croce & Hein 2020). For each row i of x [N, D] (inside the box), hyperplane
// {z : w_i.z = b_i}, this finds the step d_i minimising ||d_i||_p subject to
// w_i.(x_i + d_i) = b_i and lower <= x_i + d_i <= upper. When the box does not reach the
// hyperplane, d_i goes to the box vertex that comes closest to it (every coordinate moved
// as far as the box allows, in the direction that decreases |w.z - b|).
//
// All three are exact: each coordinate moves only towards the plane and at most up to the
// box, and the optimum is a "water-filling" over coordinates sorted by one key
// (L-inf: the room to the box; L2: room / |w_i|; L1: |w_i|, a fractional knapsack), found
// with one sort and cumulative sums. Computed in float64, returned in x's dtype. On the
// CPU each row is solved in a loop of its own (rows in parallel); on other devices, and in
// project_onto_boundary_tensor, as batched tensor operations. The two agree to rounding.
#include "advlab/core/bounds.h"

#include <torch/types.h>

#include <string>

namespace advlab {

torch::Tensor project_onto_boundary_linf(const torch::Tensor& x, const torch::Tensor& w,
                                         const torch::Tensor& b, const Bounds& bounds);
torch::Tensor project_onto_boundary_l2(const torch::Tensor& x, const torch::Tensor& w,
                                       const torch::Tensor& b, const Bounds& bounds);
torch::Tensor project_onto_boundary_l1(const torch::Tensor& x, const torch::Tensor& w,
                                       const torch::Tensor& b, const Bounds& bounds);

// The batched tensor form, on any device ("linf" | "l2" | "l1").
torch::Tensor project_onto_boundary_tensor(const std::string& norm, const torch::Tensor& x, const torch::Tensor& w,
                                           const torch::Tensor& b, const Bounds& bounds);

// The projection above for a norm, selected once from its name. (The distance to the
// hyperplane without a box, |w.x - b| / ||w||_q, uses ThreatModel::dual_norm.)
struct BoundaryGeometry {
  using Projection = torch::Tensor (*)(const torch::Tensor& x, const torch::Tensor& w,
                                       const torch::Tensor& b, const Bounds& bounds);
  std::string norm;
  Projection project;
};

// "linf" (or "inf") | "l2" | "l1"; throws advlab::Error otherwise.
const BoundaryGeometry& boundary_geometry(const std::string& norm);

}  // namespace advlab
