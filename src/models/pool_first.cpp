#include "advlab/models/pool_first.h"

#include "advlab/models/torch_kernels.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/ir/subgraph_matcher.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/subgraph_rewrite.h>

#include <algorithm>
#include <vector>

namespace advlab {

namespace {

// The pool's arguments pass through unchanged; only the order of the two operations flips.
constexpr const char* kReplacement = R"(
graph(%x, %kernel, %stride, %padding, %dilation, %ceil):
  %pooled = aten::max_pool2d(%x, %kernel, %stride, %padding, %dilation, %ceil)
  %y = aten::relu(%pooled)
  return (%y))";

// Pools whose input comes straight from a ReLU (in the graph's top block, where the
// rewriter works).
int64_t pools_after_relus(const torch::jit::Graph& graph) {
  int64_t count = 0;
  for (const auto* node : graph.nodes()) {
    if (node->kind() != torch::jit::aten::max_pool2d) continue;
    const auto producer = node->input(0)->node()->kind();
    count += producer == torch::jit::aten::relu || producer == torch::jit::aten::relu_ ? 1 : 0;
  }
  return count;
}

// Operations whose output is a new tensor, never a view of another.
bool makes_a_fresh_tensor(const torch::jit::Node* node) {
  using namespace torch::jit;
  static const std::vector<c10::Symbol> fresh{aten::conv2d,  aten::_convolution, aten::convolution,
                                              aten::batch_norm, aten::linear,   aten::addmm,
                                              aten::add,     aten::mul};
  return std::find(fresh.begin(), fresh.end(), node->kind()) != fresh.end();
}

void rewrite(std::shared_ptr<torch::jit::Graph> graph, const char* relu) {
  const std::string pattern = std::string(R"(
graph(%x, %kernel, %stride, %padding, %dilation, %ceil):
  %r = )") + relu + R"((%x)
  %y = aten::max_pool2d(%r, %kernel, %stride, %padding, %dilation, %ceil)
  return (%y))";
  // Only where the ReLU's output feeds the pool alone; an in-place ReLU also only on a
  // fresh tensor read nowhere else (on a view, or on a value read again, its effect
  // would be seen elsewhere, and the rewritten ReLU is not in place).
  const bool in_place = std::string(relu) == "aten::relu_";
  auto only_the_pool = [in_place](const torch::jit::Match& match,
                                  const std::unordered_map<std::string, torch::jit::Value*>& vmap) {
    const auto* r = match.values_map.at(vmap.at("r"));
    const auto* x = match.values_map.at(vmap.at("x"));
    if (r->uses().size() != 1) return false;
    return !in_place || (x->uses().size() == 1 && makes_a_fresh_tensor(x->node()));
  };
  torch::jit::SubgraphRewriter rewriter;
  rewriter.RegisterRewritePattern(pattern, kReplacement);
  rewriter.runOnGraph(graph, torch::jit::MatchFilter(only_the_pool));
}

}  // namespace

int64_t move_pools_before_relus(const std::shared_ptr<torch::jit::Graph>& graph) {
  const int64_t before = pools_after_relus(*graph);
  rewrite(graph, "aten::relu");
  rewrite(graph, "aten::relu_");
  return before - pools_after_relus(*graph);
}

std::optional<torch::jit::Module> make_pool_first_module(const torch::jit::Module& module) {
  try {
    // inplace = true: the copy's parameters are the original's tensors; its types and
    // methods are its own, so the original's graphs stay as they were.
    auto copy = module.clone(/*inplace=*/true);
    copy.eval();
    auto graph = torch::jit::toGraphFunction(copy.get_method("forward").function()).graph();
    {
      GraphExecutorOptimize optimise(true);  // LibTorch 2.x inlines submodules only through it
      torch::jit::Inline(*graph);
    }
    // nn.functional.relu's `if inplace:` on a constant, so that the ReLU is in the open.
    torch::jit::ConstantPropagation(graph);
    if (move_pools_before_relus(graph) == 0) return std::nullopt;
    return copy;
  } catch (const std::exception&) {
    return std::nullopt;  // the module as loaded serves every pass
  }
}

}  // namespace advlab
