// `advlab train` under a torchrun-style launch: 2 and 3 ranks train data-parallel to the
// weights one process reaches on the same global batches (up to float sums' order);
// PGD adversarial training runs across ranks, and a run resumed from rank 0's checkpoint
// ends bitwise where an uninterrupted one does.
#include "support/launch_ranks.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>

namespace advlab {
namespace {

using testing::read_bytes;

std::vector<std::string> train_args(const std::string& out, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> a{"train", "--data", "fashion-mnist:train", "--limit", "192", "--batch-size", "64",
                             "--arch", "mlp", "--epochs", "1", "--seed", "4", "--out", out};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

void run_ok(const std::vector<std::string>& args, int world, const testing::ScratchDir& scratch) {
  auto codes = testing::run_job(args, world, scratch.file("log"));
  for (size_t r = 0; r < codes.size(); ++r)
    ASSERT_EQ(codes[r], 0) << "rank " << r << ": " << read_bytes(scratch.file("log" + std::to_string(r)));
}

std::vector<torch::Tensor> weights(const std::string& path) {
  auto module = torch::jit::load(path);
  std::vector<torch::Tensor> out;
  for (const auto& p : module.parameters()) out.push_back(p.detach().clone());
  return out;
}

double largest_difference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) d = std::max(d, (a[i] - b[i]).abs().max().item<double>());
  return d;
}

// The "train accuracy: N%" that rank 0 prints (each rank counts its share of the images).
double printed_accuracy(const std::string& log) {
  const std::string key = "train accuracy: ";
  auto at = log.find(key);
  EXPECT_NE(at, std::string::npos) << log;
  return at == std::string::npos ? -1 : std::stod(log.substr(at + key.size()));
}

TEST(DistributedTrain, RanksReachTheSingleProcessWeights) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  testing::ScratchDir scratch;
  run_ok(train_args(scratch.file("single.pt")), 0, scratch);
  auto single = weights(scratch.file("single.pt"));
  const double single_accuracy = printed_accuracy(read_bytes(scratch.file("log0.out")));
  for (int world : {2, 3}) {
    auto out = scratch.file("w" + std::to_string(world) + ".pt");
    run_ok(train_args(out), world, scratch);
    double d = largest_difference(single, weights(out));
    EXPECT_LT(d, 1e-4) << world << " ranks";
    // Weights 1e-4 apart may flip one of the 192 predictions at most in practice.
    EXPECT_NEAR(printed_accuracy(read_bytes(scratch.file("log0.out"))), single_accuracy, 100.0 / 192 + 0.01)
        << world << " ranks";
  }
}

TEST(DistributedTrain, PgdTrainingResumesFromRankZerosCheckpoint) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  testing::ScratchDir scratch;
  const std::vector<std::string> pgd{"--adversarial", "pgd", "--eps", "0.1", "--attack-steps", "2"};
  auto straight = train_args(scratch.file("straight.pt"), pgd);
  straight[10] = "2";  // --epochs 2
  run_ok(straight, 2, scratch);
  EXPECT_NE(read_bytes(scratch.file("log0")).find("2 processes"), std::string::npos) << read_bytes(scratch.file("log0"));
  // One epoch, then a restart that resumes to two.
  run_ok(train_args(scratch.file("resumed.pt"), pgd), 2, scratch);
  auto resume = train_args(scratch.file("resumed.pt"), pgd);
  resume[10] = "2";
  resume.push_back("--resume");
  run_ok(resume, 2, scratch);
  EXPECT_EQ(largest_difference(weights(scratch.file("straight.pt")), weights(scratch.file("resumed.pt"))), 0.0);
}

}  // namespace
}  // namespace advlab
