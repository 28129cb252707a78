#include "advlab/models/data_parallel.h"

#include "advlab/core/error.h"
#include "advlab/dist/tensor_bytes.h"

#include <torch/torch.h>

namespace advlab::models {

torch::Tensor local_share(const torch::Tensor& batch_index, const dist::Group& group) {
  const int64_t n = batch_index.size(0), w = group.size(), r = group.rank();
  const int64_t begin = r * (n / w) + std::min(r, n % w);
  const int64_t size = n / w + (r < n % w ? 1 : 0);
  return batch_index.slice(0, begin, begin + size);
}

void broadcast_module(torch::jit::Module& module, dist::Group& group) {
  dist::NamedTensorList mine;
  if (group.is_root()) {
    for (const auto& p : module.named_parameters()) mine.emplace_back(p.name, p.value);
    for (const auto& b : module.named_buffers()) mine.emplace_back(b.name, b.value);
  }
  auto root = dist::bytes_to_tensors(group.broadcast(group.is_root() ? dist::tensors_to_bytes(mine) : std::string()));
  std::map<std::string, torch::Tensor> values(root.begin(), root.end());
  torch::NoGradGuard no_grad;
  auto copy = [&](const std::string& name, torch::Tensor target) {
    auto it = values.find(name);
    ADVLAB_CHECK(it != values.end() && it->second.sizes() == target.sizes(), "distributed: rank 0's model has no '",
                 name, "' of shape ", target.sizes(), " (ranks built different models?)");
    target.copy_(it->second);
  };
  for (const auto& p : module.named_parameters()) copy(p.name, p.value);
  for (const auto& b : module.named_buffers()) copy(b.name, b.value);
}

void all_reduce_gradients(const std::vector<torch::Tensor>& parameters, int64_t share, int64_t batch,
                          std::vector<torch::Tensor>& stats, dist::Group& group) {
  const double weight = batch > 0 ? static_cast<double>(share) / static_cast<double>(batch) : 0.0;
  // Summed where the group reduces: this rank's GPU over NCCL, else the CPU.
  const auto where = group.reduce_device();
  std::vector<torch::Tensor> sums;
  for (const auto& p : parameters)
    sums.push_back(p.grad().defined() && share > 0 ? (p.grad().detach() * weight).to(where)
                                                   : torch::zeros_like(p).to(where));
  for (const auto& s : stats) sums.push_back(s.detach().to(where).clone());
  group.all_reduce_sum(sums);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters.size(); ++i) {
    auto p = parameters[i];
    auto g = sums[i].to(p.device());
    if (p.grad().defined()) p.mutable_grad().copy_(g);
    else p.mutable_grad() = g;
  }
  for (size_t i = 0; i < stats.size(); ++i) stats[i] = sums[parameters.size() + i].cpu();
}

}  // namespace advlab::models
