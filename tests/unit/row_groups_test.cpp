// Groups of whole fixed-row passes side by side (row_groups.h): how rows are shared out,
// that every group runs once on its own single-threaded worker with the caller's grad
// mode, that errors come back; and that the test CNN's logits and input gradients through
// groups on two threads are the same bits as on one.
#include "advlab/models/row_groups.h"

#include "advlab/core/threads.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace advlab {
namespace {

// Restores the thread count the suite runs with, whatever a test set.
class ThreadCount : public ::testing::Test {
 protected:
  void TearDown() override { configure_threads(saved_); }
  int saved_ = at::get_num_threads();
};

TEST(RowGroups, WholePassesSharedAsEvenlyAsTheyDivide) {
  using Ranges = std::vector<std::pair<int64_t, int64_t>>;
  EXPECT_EQ(row_groups(100, 16, 2), (Ranges{{0, 64}, {64, 100}}));  // 7 passes: 4 + 3
  EXPECT_EQ(row_groups(256, 16, 3), (Ranges{{0, 96}, {96, 176}, {176, 256}}));  // 16: 6 + 5 + 5
  EXPECT_EQ(row_groups(40, 16, 8), (Ranges{{0, 16}, {16, 32}, {32, 40}}));  // no more groups than passes
  EXPECT_EQ(row_groups(16, 16, 4), (Ranges{{0, 16}}));
  EXPECT_EQ(row_groups(50, 0, 4), (Ranges{{0, 50}}));   // whole batches: one call
  EXPECT_EQ(row_groups(50, 16, 1), (Ranges{{0, 50}}));
  EXPECT_TRUE(row_groups(0, 16, 2).empty());
}

TEST_F(ThreadCount, EveryGroupRunsOnceOnOneThreadWithTheCallersGradMode) {
  configure_threads(3);
  ASSERT_EQ(side_by_side_threads(), 3) << "LibTorch's OpenMP runtime was not found";
  std::mutex mutex;
  std::vector<int64_t> seen;
  std::set<std::thread::id> threads;
  std::atomic<int> multi_threaded{0}, grad_on{0}, nested{0};
  torch::NoGradGuard no_grad;  // the workers must see it too
  run_side_by_side(3, [&](int64_t g) {
    if (at::get_num_threads() != 1) ++multi_threaded;
    if (torch::GradMode::is_enabled()) ++grad_on;
    if (side_by_side_threads() != 1) ++nested;
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(g);
    threads.insert(std::this_thread::get_id());
  });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_GE(threads.size(), 1u);
  EXPECT_EQ(multi_threaded.load(), 0);
  EXPECT_EQ(grad_on.load(), 0);
  EXPECT_EQ(nested.load(), 0);
  EXPECT_EQ(at::get_num_threads(), 3);  // the caller's own count is back
}

// Where no count was configured (the Python module), the groups follow LibTorch's own
// count, and an attack's serial section (which sets that count to 1 for its own small
// operators) must not hide it: it did, and every pass ran as one group on one core.
TEST_F(ThreadCount, UnconfiguredGroupsFollowLibTorchsCountInsideSerialSections) {
  configure_threads(3);
  forget_configured_threads();
  ASSERT_EQ(configured_threads(), 0);
  ASSERT_EQ(side_by_side_threads(), 3) << "LibTorch's OpenMP runtime was not found";
  {
    SerialOperators serial;
    EXPECT_EQ(at::get_num_threads(), 1);
    EXPECT_EQ(side_by_side_threads(), 3);
    {
      SerialOperators nested;
      EXPECT_EQ(side_by_side_threads(), 3);
    }
    EXPECT_EQ(side_by_side_threads(), 3);
    std::atomic<int> nested_groups{0};
    run_side_by_side(2, [&](int64_t) {
      if (side_by_side_threads() != 1) ++nested_groups;
    });
    EXPECT_EQ(nested_groups.load(), 0);  // a group's own passes stay whole
  }
  EXPECT_EQ(at::get_num_threads(), 3);
  at::set_num_threads(2);  // LibTorch's count changed later is followed
  EXPECT_EQ(side_by_side_threads(), 2);
}

TEST_F(ThreadCount, AnErrorInAGroupComesBackAfterAllHaveFinished) {
  configure_threads(2);
  std::atomic<int> finished{0};
  EXPECT_THROW(run_side_by_side(2,
                                [&](int64_t g) {
                                  if (g == 1) throw std::runtime_error("group 1 failed");
                                  std::this_thread::sleep_for(std::chrono::milliseconds(20));
                                  ++finished;
                                }),
               std::runtime_error);
  EXPECT_EQ(finished.load(), 1);
}

// Logits and the gradient of a class-weighted sum, through gradient_pass.
std::pair<torch::Tensor, torch::Tensor> through_pass(Classifier& model, const torch::Tensor& x) {
  auto pass = model.gradient_pass(x);
  auto weights = torch::linspace(-1, 1, pass->logits().size(1)).expand_as(pass->logits()).contiguous();
  return {pass->logits().clone(), pass->input_gradient(weights, false)};
}

TEST_F(ThreadCount, TheTestCnnGivesTheSameBitsOnTwoThreadsAsOnOne) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto x = testing::fashion_cnn().test.images.narrow(0, 0, 100);  // 13 passes of 8 rows
  configure_threads(1);
  auto [logits1, grad1] = through_pass(model, x);
  torch::Tensor plain1;
  {
    torch::NoGradGuard no_grad;
    plain1 = model.logits(x);
  }
  configure_threads(2);
  auto [logits2, grad2] = through_pass(model, x);
  torch::Tensor plain2;
  {
    torch::NoGradGuard no_grad;
    plain2 = model.logits(x);
  }
  EXPECT_TRUE(torch::equal(logits1, logits2)) << (logits1 - logits2).abs().max().item<double>();
  EXPECT_TRUE(torch::equal(grad1, grad2)) << (grad1 - grad2).abs().max().item<double>();
  EXPECT_TRUE(torch::equal(plain1, plain2)) << (plain1 - plain2).abs().max().item<double>();
  // And the same as one autograd graph over logits() (Classifier's own gradient_pass) on
  // one thread. On two, that graph's backward runs each pass with two intra-op threads,
  // and OpenBLAS's Zen kernels then split sums differently (1 ulp, session 19's Zen 3
  // machine): that is why gradient passes run whole passes on one thread each.
  configure_threads(1);
  auto xg = x.clone().requires_grad_(true);
  auto out = model.logits(xg);
  auto weights = torch::linspace(-1, 1, out.size(1));
  auto grad_graph = torch::autograd::grad({(out * weights).sum()}, {xg})[0];
  EXPECT_TRUE(torch::equal(grad_graph, grad2)) << (grad_graph - grad2).abs().max().item<double>();
  EXPECT_TRUE(torch::equal(out.detach(), logits2));
}

}  // namespace
}  // namespace advlab
