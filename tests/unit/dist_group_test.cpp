// dist::Group on loopback, ranks as threads of one process: every rank gathers the
// same bytes in rank order, sums bitwise alike, draws distinct tickets; a rank that
// fails or never shows up is named in the others' one-line error within the timeout.
#include "advlab/core/error.h"
#include "advlab/dist/group.h"
#include "advlab/dist/tensor_bytes.h"
#include "support/launch_ranks.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <functional>
#include <thread>

namespace advlab {
namespace {

// Runs body(group) as each of `world` ranks; returns each rank's error ("" = none).
std::vector<std::string> run_ranks(int world, const std::function<void(dist::Group&)>& body,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const int port = testing::free_port();
  std::vector<std::string> errors(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r)
    threads.emplace_back([&, r] {
      dist::Launch l;
      l.rank = r;
      l.world_size = world;
      l.master_port = static_cast<uint16_t>(port);
      try {
        dist::Group group(l, timeout);
        dist::run_as_rank(&group, [&] { body(group); });
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  return errors;
}

TEST(DistGroup, GathersInRankOrderAndSumsBitwiseAlike) {
  std::vector<std::vector<std::string>> gathered(3);
  std::vector<torch::Tensor> sums(3);
  std::vector<std::vector<int64_t>> tickets(3);
  std::vector<std::string> backends(3), broadcast(3);
  auto errors = run_ranks(3, [&](dist::Group& g) {
    backends[g.rank()] = g.backend();
    // Bytes of different lengths, an empty one and a zero byte inside.
    broadcast[g.rank()] = g.broadcast(g.rank() == 1 ? std::string("from\0one", 8) : std::string(), 1);
    gathered[g.rank()] = g.all_gather(g.rank() == 2 ? std::string() : "rank" + std::to_string(g.rank()));
    // Values whose float sum depends on the order of addition.
    std::vector<torch::Tensor> t{torch::full({4}, g.rank() == 1 ? 1e8f : 1.0f / (1 + g.rank()))};
    g.all_reduce_sum(t);
    sums[g.rank()] = t[0];
    for (int64_t k = g.next_ticket("t"); k < 30; k = g.next_ticket("t")) tickets[g.rank()].push_back(k);
    g.barrier();
  });
  for (const auto& e : errors) EXPECT_EQ(e, "");
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(backends[r], dist::gloo_built_in() ? "gloo" : "tcpstore");
    EXPECT_EQ(broadcast[r], std::string("from\0one", 8));
    EXPECT_EQ(gathered[r], (std::vector<std::string>{"rank0", "rank1", ""}));
    EXPECT_TRUE(torch::equal(sums[r], sums[0]));
  }
  std::vector<int64_t> all;
  for (const auto& t : tickets) all.insert(all.end(), t.begin(), t.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 30u);
  for (int64_t k = 0; k < 30; ++k) EXPECT_EQ(all[k], k);
}

TEST(DistGroup, AFailingRankIsNamedByTheOthers) {
  auto errors = run_ranks(3, [&](dist::Group& g) {
    if (g.rank() == 2) throw Error("out of memory on purpose");
    g.barrier();
  });
  EXPECT_EQ(errors[2], "out of memory on purpose");
  for (int r = 0; r < 2; ++r)
    EXPECT_NE(errors[r].find("rank 2 failed: out of memory on purpose"), std::string::npos) << errors[r];
}

TEST(DistGroup, ARankThatNeverJoinsIsNamedWithinTheTimeout) {
  const int port = testing::free_port();
  dist::Launch l;
  l.world_size = 2;
  l.master_port = static_cast<uint16_t>(port);
  auto start = std::chrono::steady_clock::now();
  try {
    dist::Group group(l, std::chrono::seconds(2));
    FAIL() << "joined without rank 1";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rank(s) 1 of 2 did not join"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10);
}

// The build wiring: NCCL sums exist exactly where CMake found a CUDA LibTorch with c10d's
// NCCL backend and nccl.h (PyPI's torch), and a group without them reduces on the CPU.
TEST(DistGroup, NcclIsBuiltWhereTheLibTorchHasIt) {
  EXPECT_EQ(dist::nccl_built_in(), ADVLAB_EXPECT_NCCL != 0);
  dist::Launch launch;
  launch.rank = 0;
  launch.world_size = 1;
  launch.master_addr = "127.0.0.1";
  launch.master_port = testing::free_port();
  dist::Group group(launch, std::chrono::seconds(10));
  EXPECT_EQ(group.reduce_device(), torch::Device(torch::kCPU));
  if (!dist::nccl_built_in()) {
    group.use_cuda(0);  // nothing to join: GPU tensors go through the CPU collectives
    EXPECT_EQ(group.reduce_device(), torch::Device(torch::kCPU));
  }
}

TEST(DistTensorBytes, RoundTripsBitwise) {
  auto a = torch::randn({3, 4});
  auto b = torch::tensor({1, 2, 3}, torch::kLong);
  auto back = dist::bytes_to_tensors(dist::tensors_to_bytes({{"a", a}, {"b", b}, {"none", {}}}));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].first, "a");
  EXPECT_TRUE(torch::equal(back[0].second, a));
  EXPECT_TRUE(torch::equal(back[1].second, b));
  EXPECT_FALSE(back[2].second.defined());
  EXPECT_THROW(dist::bytes_to_tensors("not a pickle"), Error);
}

}  // namespace
}  // namespace advlab
