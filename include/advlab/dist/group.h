#pragma once
// The processes of one job and what they tell each other. Rank 0 hosts a c10d TCPStore,
// which carries the control traffic (joining, heartbeats, failures, shared counters).
// Every exchange is a collective (all ranks call it, in the same order): over c10d's
// ProcessGroupGloo where the build has gloo's headers (Debian's libgloo-dev, matching the
// libgloo that Debian's LibTorch links; backend() "gloo"), else over the store's
// set/get/add (PyPI's LibTorch ships no gloo headers; backend() "tcpstore").
//
// No rank waits forever: each rank beats a heartbeat from a thread of its own, and a
// wait ends with a one-line advlab::Error naming the rank that stopped beating (killed,
// hung, its machine gone) after ADVLAB_DIST_TIMEOUT seconds (default 60), or the rank
// that failed and said why (fail()). A lost rank 0 takes the store with it: the others'
// next exchange fails at once and names it. With exit_on_loss (the command line's
// choice) the heartbeat thread also watches: a rank busy in a long attack learns of a
// lost or failed peer within a heartbeat, prints the one line and exits with status 1.
#include "advlab/core/error.h"
#include "advlab/dist/launch.h"

#include <c10/util/intrusive_ptr.h>
#include <torch/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace c10d {
class Store;
}

namespace advlab::dist {

class Group {
 public:
  // Joins the job described by `launch`; every rank must join within `timeout`.
  Group(const Launch& launch, std::chrono::milliseconds timeout, bool exit_on_loss = false);
  // Says this rank is done; rank 0 keeps the store up until every live rank is done.
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  int rank() const { return launch_.rank; }
  int size() const { return launch_.world_size; }
  bool is_root() const { return launch_.rank == 0; }
  const Launch& launch() const { return launch_; }
  std::string backend() const;

  // Every rank's bytes, in rank order.
  std::vector<std::string> all_gather(const std::string& bytes);
  // Root's bytes on every rank.
  std::string broadcast(const std::string& bytes, int root = 0);
  void barrier() { all_gather({}); }
  // Each tensor summed over the ranks in rank order, so every rank holds bitwise the
  // same sum (a float sum's value depends on its order).
  void all_reduce_sum(std::vector<torch::Tensor>& tensors);
  // A rank that computes on cuda:device_index: from now on all_reduce_sum sums tensors on
  // that GPU over c10d's NCCL backend where the build has it (nccl_built_in()); otherwise
  // nothing changes and GPU tensors go through the CPU collectives.
  void use_cuda(int device_index);
  // Where all_reduce_sum's tensors should be: this rank's GPU with NCCL, else the CPU.
  torch::Device reduce_device() const;

  // Shared counters (not collectives): add returns the value after adding delta;
  // next_ticket hands out 0, 1, 2, ... across all ranks.
  int64_t add(const std::string& counter, int64_t delta);
  int64_t next_ticket(const std::string& counter) { return add("ticket/" + counter, 1) - 1; }

  // Tells the other ranks this one stops because of `message`; they stop too, naming it.
  void fail(const std::string& message) noexcept;

 private:
  // Per peer: the last heartbeat count seen and when it last changed (local clock).
  struct PeerWatch {
    std::vector<int64_t> beats;
    std::vector<std::chrono::steady_clock::time_point> seen;
  };
  // Returns when every key exists; throws advlab::Error when a rank failed or was lost.
  void wait_for(const std::vector<std::string>& keys);
  // Why the job cannot go on (a peer failed or stopped beating), or "" when it can.
  std::string trouble(c10d::Store& store, PeerWatch& watch) const;
  void check_peers();
  void beat();
  template <class F>
  auto guarded(F&& op) -> decltype(op());

  Launch launch_;
  std::chrono::milliseconds timeout_;
  c10::intrusive_ptr<c10d::Store> store_;      // this thread's connection
  c10::intrusive_ptr<c10d::Store> heartbeat_;  // the heartbeat thread's own connection
  std::thread heartbeat_thread_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::atomic<bool> failed_{false};
  bool exit_on_loss_;
  int64_t sequence_ = 0;
  PeerWatch main_watch_, heartbeat_watch_;
  struct GlooCollectives;  // group_gloo.cpp
  std::shared_ptr<GlooCollectives> gloo_;  // null: collectives over the store

  void join_gloo();
  // A gloo collective; a failure becomes a one-line Error naming the rank at fault
  // (found through the store's heartbeats) where it can be found.
  template <class F>
  void gloo_guarded(const char* what, F&& op);
  std::vector<std::string> gloo_all_gather(const std::string& bytes);
  std::string gloo_broadcast(const std::string& bytes, int root);
  void gloo_all_reduce_sum(std::vector<torch::Tensor>& tensors);
  struct NcclCollectives;  // group_nccl.cpp
  std::shared_ptr<NcclCollectives> nccl_;  // null: no GPU sums
  void nccl_all_reduce_sum(std::vector<torch::Tensor>& tensors);
};

// True when this build's collectives run over c10d's Gloo backend (backend() "gloo").
bool gloo_built_in();
// True when this build sums GPU tensors over c10d's NCCL backend (Group::use_cuda).
bool nccl_built_in();

// The job's group when the environment describes one (launch.h), else null. Timeout
// from ADVLAB_DIST_TIMEOUT (seconds).
std::unique_ptr<Group> join_from_env(bool exit_on_loss = true);

// Runs fn; when it throws, tells the other ranks why (Group::fail) and rethrows.
template <class F>
void run_as_rank(Group* group, F&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    if (group) group->fail(e.what());
    throw;
  }
}

}  // namespace advlab::dist
