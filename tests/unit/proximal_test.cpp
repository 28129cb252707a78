// Proximal operators of the Lp norms: each returns the minimiser of lambda ||z|| +
// ||z - v||^2 / 2 (no nearby point does better; the objective is convex, so that is the
// global minimum), per sample with its own lambda; lambda = 0 changes nothing.
#include "advlab/core/error.h"
#include "advlab/threat/proximal.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

torch::Tensor proximal_objective(const std::string& norm, const torch::Tensor& z, const torch::Tensor& v,
                                 const torch::Tensor& lambda) {
  auto d = z.flatten(1);
  auto size = norm == "l1" ? d.abs().sum(1) : norm == "l2" ? d.norm(2, 1) : d.abs().amax(1);
  return lambda * size + (z - v).flatten(1).square().sum(1) / 2;
}

class Proximal : public ::testing::TestWithParam<std::string> {};

TEST_P(Proximal, MinimisesItsObjectivePerSample) {
  const auto norm = GetParam();
  torch::manual_seed(2);
  auto v = torch::randn({6, 1, 3, 3}, torch::kDouble);
  auto lambda = torch::tensor({0.0, 0.05, 0.3, 1.0, 3.0, 30.0}, torch::kDouble);
  auto z = proximal_operator(norm)(v, lambda);
  auto best = proximal_objective(norm, z, v, lambda);
  for (int trial = 0; trial < 200; ++trial) {
    auto nearby = z + 0.01 * torch::randn_like(z);
    EXPECT_TRUE((proximal_objective(norm, nearby, v, lambda) >= best - 1e-12).all().item<bool>()) << norm;
  }
  EXPECT_TRUE(torch::allclose(z[0], v[0]));        // lambda = 0: v itself
  EXPECT_EQ(z[5].abs().max().item<double>(), 0.0);  // a large lambda: 0
}

INSTANTIATE_TEST_SUITE_P(Norms, Proximal, ::testing::Values("l1", "l2", "linf"));

TEST(Proximal, OtherNormsHaveNone) { EXPECT_THROW(proximal_operator("l0"), Error); }

}  // namespace
}  // namespace advlab
