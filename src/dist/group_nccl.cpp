// Group's sums of GPU tensors over c10d's ProcessGroupNCCL, where the LibTorch is a CUDA
// build with c10d's NCCL backend and nccl.h is found (CMakeLists.txt sets ADVLAB_HAVE_NCCL
// on this file only). Elsewhere a CUDA job's gradients go through the CPU collectives.
#include "advlab/dist/group.h"

#include "advlab/core/error.h"

#ifdef ADVLAB_HAVE_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/torch.h>

#include <map>
#include <thread>

namespace advlab::dist {

#ifdef ADVLAB_HAVE_NCCL

struct Group::NcclCollectives {
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> group;
  int device = 0;
};

bool nccl_built_in() { return true; }

void Group::use_cuda(int device_index) {
  if (nccl_) {
    ADVLAB_CHECK(nccl_->device == device_index, "distributed: rank ", rank(), " already reduces on cuda:",
                 nccl_->device, ", not cuda:", device_index);
    return;
  }
  try {
    c10::cuda::set_device(static_cast<c10::DeviceIndex>(device_index));
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout_;
    auto collectives = std::make_shared<NcclCollectives>();
    collectives->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(
        c10::make_intrusive<c10d::PrefixStore>("nccl", store_), rank(), size(), options);
    collectives->device = device_index;
    nccl_ = std::move(collectives);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(c10::str("distributed: rank ", rank(), " cannot set up NCCL on cuda:", device_index, ": ",
                         first_message_line(e.what())));
  }
}

torch::Device Group::reduce_device() const {
  return nccl_ ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(nccl_->device)) : torch::Device(torch::kCPU);
}

void Group::nccl_all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  const auto device = reduce_device();
  // One reduction per dtype, over the tensors flattened into one buffer on this rank's GPU.
  std::map<c10::ScalarType, std::vector<size_t>> by_type;
  for (size_t i = 0; i < tensors.size(); ++i) by_type[tensors[i].scalar_type()].push_back(i);
  for (const auto& [type, members] : by_type) {
    std::vector<torch::Tensor> flat;
    for (size_t i : members) flat.push_back(tensors[i].detach().to(device).reshape(-1));
    std::vector<torch::Tensor> buffer{torch::cat(flat).contiguous()};
    try {
      nccl_->group->allreduce(buffer)->wait();
    } catch (const std::exception& e) {
      // A peer gone mid-collective: the heartbeats name it within the timeout.
      auto deadline = std::chrono::steady_clock::now() + timeout_ + std::chrono::seconds(2);
      while (std::chrono::steady_clock::now() < deadline) {
        check_peers();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      throw Error(c10::str("distributed: NCCL all_reduce failed on rank ", rank(), ": ", first_message_line(e.what())));
    }
    int64_t at = 0;
    for (size_t i : members) {
      auto n = tensors[i].numel();
      tensors[i].copy_(buffer[0].narrow(0, at, n).view(tensors[i].sizes()));
      at += n;
    }
  }
}

#else

struct Group::NcclCollectives {};

bool nccl_built_in() { return false; }
void Group::use_cuda(int) {}  // sums of GPU tensors go through the CPU collectives
torch::Device Group::reduce_device() const { return torch::kCPU; }
void Group::nccl_all_reduce_sum(std::vector<torch::Tensor>&) {}

#endif

}  // namespace advlab::dist
