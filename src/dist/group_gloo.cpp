// Group's collectives over c10d's ProcessGroupGloo (group.h says when). Bytes travel as
// uint8 tensors: their lengths first, then every rank's bytes padded to the longest.
#include "advlab/dist/group.h"

#include "advlab/core/error.h"

#ifdef ADVLAB_HAVE_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>

namespace advlab::dist {

#ifdef ADVLAB_HAVE_GLOO

struct Group::GlooCollectives {
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

namespace {

// torch's convention: GLOO_SOCKET_IFNAME names the interface; a job on one machine
// (loopback master) talks over loopback; otherwise the interface of this host's name.
std::shared_ptr<::gloo::transport::Device> gloo_device(const Launch& launch) {
  if (const char* name = std::getenv("GLOO_SOCKET_IFNAME"); name && *name)
    return c10d::ProcessGroupGloo::createDeviceForInterface(name);
  const bool loopback = launch.master_addr == "localhost" || launch.master_addr.rfind("127.", 0) == 0;
  return loopback ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                  : c10d::ProcessGroupGloo::createDefaultDevice();
}

torch::Tensor bytes_tensor(const std::string& bytes, int64_t length) {
  auto t = torch::zeros({std::max<int64_t>(length, 1)}, torch::kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  return t;
}

}  // namespace

std::string Group::backend() const { return gloo_ ? "gloo" : "tcpstore"; }
bool gloo_built_in() { return true; }

void Group::join_gloo() {
  try {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout_);
    options->devices.push_back(gloo_device(launch_));
    auto collectives = std::make_shared<GlooCollectives>();
    collectives->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
        c10::make_intrusive<c10d::PrefixStore>("gloo", store_), rank(), size(), options);
    gloo_ = std::move(collectives);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(c10::str("distributed: rank ", rank(), " cannot set up Gloo (", launch_.master_addr, "; ",
                         "GLOO_SOCKET_IFNAME picks the network interface): ", first_message_line(e.what())));
  }
}

template <class F>
void Group::gloo_guarded(const char* what, F&& op) {
  try {
    op();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // A peer gone mid-collective: the heartbeats name it within the timeout.
    auto deadline = std::chrono::steady_clock::now() + timeout_ + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
      check_peers();  // throws the one line naming the rank at fault
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw Error(c10::str("distributed: ", what, " failed on rank ", rank(), ": ", first_message_line(e.what())));
  }
}

std::vector<std::string> Group::gloo_all_gather(const std::string& bytes) {
  auto& group = *gloo_->group;
  std::vector<torch::Tensor> length{torch::full({1}, static_cast<int64_t>(bytes.size()), torch::kLong)};
  std::vector<std::vector<torch::Tensor>> lengths(1);
  for (int r = 0; r < size(); ++r) lengths[0].push_back(torch::zeros({1}, torch::kLong));
  gloo_guarded("all_gather", [&] { group.allgather(lengths, length)->wait(); });
  int64_t longest = 0;
  for (const auto& l : lengths[0]) longest = std::max(longest, l.item<int64_t>());
  std::vector<torch::Tensor> mine{bytes_tensor(bytes, longest)};
  std::vector<std::vector<torch::Tensor>> all(1);
  for (int r = 0; r < size(); ++r) all[0].push_back(torch::empty_like(mine[0]));
  gloo_guarded("all_gather", [&] { group.allgather(all, mine)->wait(); });
  std::vector<std::string> out;
  for (int r = 0; r < size(); ++r)
    out.emplace_back(reinterpret_cast<const char*>(all[0][r].data_ptr<uint8_t>()),
                     static_cast<size_t>(lengths[0][r].item<int64_t>()));
  return out;
}

std::string Group::gloo_broadcast(const std::string& bytes, int root) {
  auto& group = *gloo_->group;
  c10d::BroadcastOptions options;
  options.rootRank = root;
  std::vector<torch::Tensor> length{torch::full({1}, rank() == root ? static_cast<int64_t>(bytes.size()) : 0,
                                                torch::kLong)};
  gloo_guarded("broadcast", [&] { group.broadcast(length, options)->wait(); });
  const int64_t n = length[0].item<int64_t>();
  std::vector<torch::Tensor> data{rank() == root ? bytes_tensor(bytes, n) : torch::zeros({std::max<int64_t>(n, 1)}, torch::kUInt8)};
  gloo_guarded("broadcast", [&] { group.broadcast(data, options)->wait(); });
  return {reinterpret_cast<const char*>(data[0].data_ptr<uint8_t>()), static_cast<size_t>(n)};
}

void Group::gloo_all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  auto& group = *gloo_->group;
  torch::NoGradGuard no_grad;
  // One reduction per dtype, over the tensors flattened into one CPU buffer; gloo's
  // ring hands every rank the same bits.
  std::map<c10::ScalarType, std::vector<size_t>> by_type;
  for (size_t i = 0; i < tensors.size(); ++i) by_type[tensors[i].scalar_type()].push_back(i);
  for (const auto& [type, members] : by_type) {
    std::vector<torch::Tensor> flat;
    for (size_t i : members) flat.push_back(tensors[i].detach().to(torch::kCPU).reshape(-1));
    std::vector<torch::Tensor> buffer{torch::cat(flat).contiguous()};
    gloo_guarded("all_reduce", [&] { group.allreduce(buffer)->wait(); });
    int64_t at = 0;
    for (size_t i : members) {
      auto n = tensors[i].numel();
      tensors[i].copy_(buffer[0].narrow(0, at, n).view(tensors[i].sizes()));
      at += n;
    }
  }
}

#else

struct Group::GlooCollectives {};

std::string Group::backend() const { return "tcpstore"; }
bool gloo_built_in() { return false; }
void Group::join_gloo() {}
std::vector<std::string> Group::gloo_all_gather(const std::string&) { return {}; }
std::string Group::gloo_broadcast(const std::string&, int) { return {}; }
void Group::gloo_all_reduce_sum(std::vector<torch::Tensor>&) {}

#endif

}  // namespace advlab::dist
