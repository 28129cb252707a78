#include "advlab/dist/group.h"

#include "advlab/core/error.h"
#include "advlab/core/progress.h"
#include "advlab/dist/tensor_bytes.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>

#include <cstdio>
#include <cstdlib>

namespace advlab::dist {

namespace {

std::vector<uint8_t> as_vector(const std::string& s) { return {s.begin(), s.end()}; }
std::string as_string(const std::vector<uint8_t>& v) { return {v.begin(), v.end()}; }

std::string beat_key(int r) { return "beat/" + std::to_string(r); }
std::string error_key(int r) { return "error/" + std::to_string(r); }
std::string done_key(int r) { return "done/" + std::to_string(r); }

// Rank 0 hosts the store unless torchrun's agent does; advlab's keys live under a prefix
// of their own (the agent's store holds torchrun's keys too) and of the restart attempt.
c10::intrusive_ptr<c10d::Store> connect(const Launch& l, bool server, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = l.master_port;
  o.isServer = server && !l.agent_store;
  o.multiTenant = true;
  o.numWorkers = static_cast<size_t>(l.world_size);
  o.waitWorkers = false;  // joining is checked below, with a message that names who is missing
  o.timeout = timeout;
  auto store = c10::make_intrusive<c10d::TCPStore>(l.master_addr, o);
  return c10::make_intrusive<c10d::PrefixStore>("advlab/" + std::to_string(l.restart), store);
}

}  // namespace

template <class F>
auto Group::guarded(F&& op) -> decltype(op()) {
  try {
    return op();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    if (is_root()) throw Error(c10::str("distributed: store failure on rank 0: ", first_message_line(e.what())));
    throw Error(c10::str("distributed: lost rank 0 (it hosts the store at ", launch_.master_addr, ":",
                         launch_.master_port, "): ", first_message_line(e.what())));
  }
}

Group::Group(const Launch& launch, std::chrono::milliseconds timeout, bool exit_on_loss)
    : launch_(launch), timeout_(timeout), exit_on_loss_(exit_on_loss) {
  for (auto* w : {&main_watch_, &heartbeat_watch_}) {
    w->beats.assign(static_cast<size_t>(size()), -1);
    w->seen.assign(static_cast<size_t>(size()), std::chrono::steady_clock::now());
  }
  try {
    store_ = connect(launch_, is_root(), timeout_);
    heartbeat_ = connect(launch_, false, timeout_);
  } catch (const std::exception& e) {
    // Under torch 2.x's torchrun the agent hosts the store, and its wire protocol is that
    // agent's torch version: the likeliest cause is a torchrun of another torch.
    const std::string hint = launch_.agent_store
        ? c10::str(" (the store is torchrun's agent's: launch with the torchrun of the torch this advlab was "
                   "built with, LibTorch ", TORCH_VERSION, ", or set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT "
                   "yourself)")
        : std::string();
    throw Error(c10::str("distributed: rank ", rank(), " cannot ", is_root() && !launch_.agent_store ? "host" : "reach",
                         " the store at ", launch_.master_addr, ":", launch_.master_port, ": ",
                         first_message_line(e.what()), hint));
  }
  guarded([&] { return heartbeat_->add(beat_key(rank()), 1); });
  heartbeat_thread_ = std::thread([this] { beat(); });
  // Everyone joins within the timeout, or the message lists who did not.
  guarded([&] { return store_->add("joined", 1); });
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (guarded([&] { return store_->add("joined", 0); }) < size()) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::string missing;
      for (int r = 0; r < size(); ++r)
        if (guarded([&] { return store_->add(beat_key(r), 0); }) == 0) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
      }
      stop_cv_.notify_all();
      heartbeat_thread_.join();
      throw Error(c10::str("distributed: rank(s) ", missing, " of ", size(), " did not join within ",
                           timeout_.count() / 1000, " s (", launch_.master_addr, ":", launch_.master_port, ")"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  join_gloo();
}

Group::~Group() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  try {
    store_->set(done_key(rank()), as_vector("1"));
    if (is_root()) {  // the store dies with this process: wait for the others to finish with it
      std::vector<std::string> keys;
      for (int r = 1; r < size(); ++r) keys.push_back(done_key(r));
      // After a failure, only briefly (the others have been told and stop at their next
      // heartbeat); else at most as long as a lost rank takes to be noticed.
      const bool failing = failed_ || store_->add("errors", 0) > 0;
      auto deadline = std::chrono::steady_clock::now() + (failing ? std::chrono::milliseconds(5000) : timeout_ * 2);
      while (!store_->check(keys) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (const std::exception&) {
    // A lost rank cannot be waited for; the error that matters was reported already.
  }
}

void Group::beat() {
  const auto period = std::max(std::chrono::milliseconds(50), std::min(timeout_ / 10, std::chrono::milliseconds(1000)));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_cv_.wait_for(lock, period, [this] { return stop_; })) {
    std::string why;
    try {
      heartbeat_->add(beat_key(rank()), 1);
      if (exit_on_loss_ && !failed_) why = trouble(*heartbeat_, heartbeat_watch_);
    } catch (const std::exception& e) {
      if (!exit_on_loss_ || is_root()) return;  // the main thread finds out on its next exchange
      why = c10::str("distributed: lost rank 0 (it hosts the store at ", launch_.master_addr, ":",
                     launch_.master_port, "): ", first_message_line(e.what()));
    }
    if (!why.empty()) {
      // The main thread may be deep in an attack: stop the whole process now, its progress
      // output first, so that this error stays the log's last line.
      silence_progress();
      std::fprintf(stderr, "advlab: error: %s\n", why.c_str());
      std::fflush(stderr);
      try {
        heartbeat_->set(done_key(rank()), as_vector("1"));
        // Rank 0's store dies with it: first tell the others why, and give the ranks
        // still beating a few heartbeats to read it, or they would only see rank 0 go.
        if (is_root()) {
          heartbeat_->set(error_key(rank()), as_vector(why));
          heartbeat_->add("errors", 1);
          auto deadline = std::chrono::steady_clock::now() + 4 * period + std::chrono::seconds(1);
          auto live_and_not_done = [&] {
            auto now = std::chrono::steady_clock::now();
            for (int r = 1; r < size(); ++r) {
              int64_t b = heartbeat_->add(beat_key(r), 0);
              bool beating = b != heartbeat_watch_.beats[r] || now - heartbeat_watch_.seen[r] < timeout_;
              if (b != heartbeat_watch_.beats[r]) {
                heartbeat_watch_.beats[r] = b;
                heartbeat_watch_.seen[r] = now;
              }
              if (beating && !heartbeat_->check({done_key(r)})) return true;
            }
            return false;
          };
          while (live_and_not_done() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      } catch (const std::exception&) {
      }
      std::_Exit(1);
    }
  }
}

std::string Group::trouble(c10d::Store& store, PeerWatch& watch) const {
  if (store.add("errors", 0) > 0) {
    // Name the rank whose failure started it, not one that passed the news on: a
    // message that is itself a "distributed: ..." one (a lost rank, a relayed failure)
    // is returned as it was written.
    std::string relayed;
    for (int r = 0; r < size(); ++r) {
      if (r == rank() || !store.check({error_key(r)})) continue;
      auto message = as_string(store.get(error_key(r)));
      if (message.rfind("distributed: ", 0) != 0) return c10::str("distributed: rank ", r, " failed: ", message);
      if (relayed.empty()) relayed = message;
    }
    if (!relayed.empty()) return relayed;
  }
  auto now = std::chrono::steady_clock::now();
  for (int r = 0; r < size(); ++r) {
    if (r == rank()) continue;
    int64_t b = store.add(beat_key(r), 0);
    if (b != watch.beats[r]) {
      watch.beats[r] = b;
      watch.seen[r] = now;
    } else if (now - watch.seen[r] > timeout_ && !store.check({done_key(r)})) {
      return c10::str("distributed: lost rank ", r, " of ", size(), " (no heartbeat for ",
                      timeout_.count() / 1000.0, " s; ADVLAB_DIST_TIMEOUT sets the limit)");
    }
  }
  return {};
}

void Group::check_peers() {
  auto why = guarded([&] { return trouble(*store_, main_watch_); });
  if (!why.empty()) throw Error(why);
}

void Group::wait_for(const std::vector<std::string>& keys) {
  auto pause = std::chrono::milliseconds(1);
  while (!guarded([&] { return store_->check(keys); })) {
    check_peers();
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

std::vector<std::string> Group::all_gather(const std::string& bytes) {
  if (gloo_) return gloo_all_gather(bytes);
  const auto prefix = "gather/" + std::to_string(sequence_) + "/";
  std::vector<std::string> keys;
  for (int r = 0; r < size(); ++r) keys.push_back(prefix + std::to_string(r));
  guarded([&] {
    store_->set(keys[rank()], as_vector(bytes));
    return 0;
  });
  wait_for(keys);
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(as_string(guarded([&] { return store_->get(k); })));
  // Everyone has posted this round, so everyone has read the previous one: drop ours.
  if (sequence_ > 0)
    guarded([&] { return store_->deleteKey("gather/" + std::to_string(sequence_ - 1) + "/" + std::to_string(rank())); });
  ++sequence_;
  return out;
}

std::string Group::broadcast(const std::string& bytes, int root) {
  if (gloo_) return gloo_broadcast(bytes, root);
  return all_gather(rank() == root ? bytes : std::string())[static_cast<size_t>(root)];
}

void Group::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  if (nccl_ && !tensors.empty() && tensors.front().is_cuda()) return nccl_all_reduce_sum(tensors);
  if (gloo_) return gloo_all_reduce_sum(tensors);
  std::vector<std::pair<std::string, torch::Tensor>> mine;
  for (size_t i = 0; i < tensors.size(); ++i) mine.emplace_back(std::to_string(i), tensors[i]);
  std::vector<NamedTensorList> all;
  for (const auto& bytes : all_gather(tensors_to_bytes(mine))) {
    all.push_back(bytes_to_tensors(bytes));
    ADVLAB_CHECK(all.back().size() == tensors.size(), "distributed: rank ", all.size() - 1, " sent ",
                 all.back().size(), " tensors to sum, this rank ", tensors.size());
  }
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < tensors.size(); ++i) {
    torch::Tensor sum;
    for (const auto& rank_tensors : all) {
      auto t = rank_tensors[i].second.to(tensors[i].device());
      sum = sum.defined() ? sum + t : t;
    }
    tensors[i].copy_(sum);
  }
}

int64_t Group::add(const std::string& counter, int64_t delta) {
  return guarded([&] { return store_->add("counter/" + counter, delta); });
}

void Group::fail(const std::string& message) noexcept {
  if (failed_.exchange(true)) return;
  try {
    store_->set(error_key(rank()), as_vector(first_message_line(message)));
    store_->add("errors", 1);
  } catch (const std::exception&) {
    // The store is gone already (rank 0 lost); the others find that out themselves.
  }
}

std::unique_ptr<Group> join_from_env(bool exit_on_loss) {
  auto launch = launch_from_env();
  if (!launch) return nullptr;
  double seconds = 60;
  if (const char* t = std::getenv("ADVLAB_DIST_TIMEOUT"); t && *t) {
    char* end = nullptr;
    seconds = std::strtod(t, &end);
    ADVLAB_CHECK(end && *end == '\0' && seconds > 0 && seconds < 1e7,
                 "ADVLAB_DIST_TIMEOUT must be a number of seconds > 0, got '", t, "'");
  }
  return std::make_unique<Group>(*launch, std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)),
                                 exit_on_loss);
}

}  // namespace advlab::dist
