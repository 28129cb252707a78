#pragma once
// Shrinks an attack's per-row state to the rows still attacked: each defined tensor
// becomes tensor.index_select(0, keep); undefined ones (optional state) stay undefined.
#include <torch/types.h>

#include <initializer_list>

namespace advlab {

inline void keep_rows(const torch::Tensor& keep, std::initializer_list<torch::Tensor*> state) {
  for (auto* t : state)
    if (t->defined()) *t = t->index_select(0, keep.to(t->device()));
}

}  // namespace advlab
