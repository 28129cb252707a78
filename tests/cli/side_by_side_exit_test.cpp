// With several threads, a batch runs as groups of passes side by side on worker threads
// (row_groups.h). A worker's first LibTorch call makes LibTorch remake its pthreadpool;
// when a tiny model's batch was done before the new worker got that far and the process
// then left (here: an error right after the first batch), the exit and the worker freed
// the pool twice: about half of such runs on 2 threads crashed or hung at exit.
#include "support/cli_runner.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/script.h>

#include <algorithm>

namespace advlab {
namespace {

TEST(SideBySideExit, ATinyModelFailingAtOnceExitsCleanlyEveryTime) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP();
  auto dir = testing::make_temp_dir("exit");
  torch::jit::Module m("__torch__.advlab_test.NanAfterDivision");
  m.define(R"(
def forward(self, x):
    return x.flatten(1)[:, :10] / 0.0 * 0.0
)");
  m.save(dir + "/nan.pt");
  // 10 images: two 8-row passes, so two groups side by side on 2 threads.
  const std::string args = "--threads 2 attack --attack fgsm --eps 0.1 --model " + dir + "/nan.pt --limit 10 --out " +
                           dir + "/a";
  for (int run = 0; run < 8; ++run) {
    auto r = testing::run_cli_with_timeout(args, 60);
    ASSERT_EQ(r.exit_code, 2) << "run " << run << (r.exit_code == 124 ? " hung" : "") << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("NaN or inf"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace advlab
