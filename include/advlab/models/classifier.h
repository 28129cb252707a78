#pragma once
// A Classifier maps a batch of inputs inside bounds() to logits [N, num_classes()].
// Preprocessing (mean/std) lives inside the classifier, so attacks always work in the
// input space the user sees. logits() is differentiable with respect to its input.
#include "advlab/core/bounds.h"

#include <torch/script.h>
#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace advlab {

struct ClassifierOptions {
  Bounds bounds{};
  std::vector<double> mean{};  // per channel; empty = no normalisation
  std::vector<double> std{};   // per channel; empty = no normalisation
  torch::Device device = torch::kCPU;
  // Rows per call into the module (run_in_fixed_rows): a fixed shape makes a sample's
  // result independent of the batch it is in. 0 = the whole batch in one call;
  // kAutoPassRows = kCpuPassRows on the CPU, 0 on a GPU (not measured there).
  int64_t pass_rows = kAutoPassRows;
  // query_logits() passes through a frozen, inference-optimised copy of the module
  // (inference_module.h); on the CPU only.
  bool optimize_forward = true;

  static constexpr int64_t kAutoPassRows = -1;
  // 8, not 16: OpenBLAS (0.3.21, AMD Zen) runs a 16-row product with few output columns
  // as 12 + 4 rows, and the last 4 round differently, so a sample's bits depended on its
  // place in the pass; at 8 rows (and 4) every place computes alike on every shape tried
  // (session 19, docs/distributed.md). 16 was 4-6% faster there.
  static constexpr int64_t kCpuPassRows = 8;
};

// One forward pass of a batch kept for input gradients (Classifier::gradient_pass).
class GradientPass {
 public:
  virtual ~GradientPass() = default;
  // The pass's logits [n, K], detached.
  virtual const torch::Tensor& logits() const = 0;
  // The gradient of sum(upstream * logits) with respect to the pass's input x ([n, ...]),
  // detached; keep = the pass may be asked again (another upstream, another loss).
  virtual torch::Tensor input_gradient(const torch::Tensor& upstream, bool keep) = 0;
};

class Classifier {
 public:
  virtual ~Classifier() = default;

  // Logits for a batch x [N, ...] on device(); keeps the autograd graph to x. This is the
  // model: predictions, and the verification of every adversarial reported, use it.
  virtual torch::Tensor logits(const torch::Tensor& x) = 0;
  // Logits without a graph for an attack's own search (AttackContext::logits): may pass
  // through a faster copy of the model that agrees with logits() to float rounding only.
  // Near the decision boundary the two can disagree, so nothing reported is judged here.
  virtual torch::Tensor query_logits(const torch::Tensor& x);
  // Whether query_logits() is logits() itself (no fast copy): then its answers need no
  // second opinion.
  virtual bool queries_are_exact() const { return true; }
  virtual Bounds bounds() const = 0;
  virtual torch::Device device() const = 0;
  // Known after probe() or the first logits() call.
  virtual int64_t num_classes() const = 0;
  // Rows per call into the model (ClassifierOptions::pass_rows); 0 = whole batches. Work
  // split into pieces of a multiple of this wastes no padded rows.
  virtual int64_t pass_rows() const { return 0; }
  // The logits of x (values as logits() gives them) and a way back to x's gradient: what
  // attacks use for loss gradients. The default keeps one autograd graph over logits();
  // a classifier may split the pass and its backward across the cores.
  virtual std::unique_ptr<GradientPass> gradient_pass(const torch::Tensor& x);

  // Runs one input of `sample_shape` ([C, H, W]) through the model and checks the
  // output is [1, K] with K >= 2; throws advlab::Error otherwise. Returns K.
  int64_t probe(const std::vector<int64_t>& sample_shape);

  // Predicted class per sample, without building a graph; evaluated in batches.
  torch::Tensor predict(const torch::Tensor& x, int64_t batch_size = 256);

  // Throws advlab::Error naming `what` (e.g. "model m.pt") if any logit on x is NaN or
  // inf: such outputs would turn into "accuracy 0" instead of an answer.
  void require_finite_logits(const torch::Tensor& x, const std::string& what, int64_t batch_size = 256);
};

// A Classifier over a TorchScript module (trained by advlab, or traced/scripted in
// PyTorch). Forward passes run in eval mode; the module's own mode is restored after.
class TorchScriptClassifier : public Classifier {
 public:
  TorchScriptClassifier(torch::jit::Module module, ClassifierOptions options = {});
  // Loads a TorchScript file; throws advlab::Error for a missing, unreadable or damaged
  // file (io::verify_zip_checksums), or for a mean/std that is not finite.
  static std::shared_ptr<TorchScriptClassifier> load(const std::string& path,
                                                     ClassifierOptions options = {});

  torch::Tensor logits(const torch::Tensor& x) override;
  torch::Tensor query_logits(const torch::Tensor& x) override;
  bool queries_are_exact() const override { return !fast_copy_allowed(); }
  Bounds bounds() const override { return options_.bounds; }
  torch::Device device() const override { return options_.device; }
  int64_t num_classes() const override;
  int64_t pass_rows() const override { return pass_rows_; }
  // On the CPU with several threads, a batch of more than one fixed-row pass runs as
  // groups of whole passes side by side, forward and backward (row_groups.h); logits and
  // gradients are the same bit for bit as with one thread.
  std::unique_ptr<GradientPass> gradient_pass(const torch::Tensor& x) override;

  // The module as loaded. A caller may change it: the pool-first copy is made again.
  torch::jit::Module& module() {
    pool_first_module_.reset();
    pool_first_tried_ = false;
    return module_;
  }
  const ClassifierOptions& options() const { return options_; }

 private:
  torch::Tensor preprocess(const torch::Tensor& x) const;
  torch::Tensor forward(torch::jit::Module& module, const torch::Tensor& x);
  // What logits() and gradient passes run: the pool-first copy (pool_first.h) where one
  // could be made, else the module itself.
  torch::jit::Module& graph_module();
  // The inference copy is for the CPU only, unless --plain-forward turned it off.
  bool fast_copy_allowed() const { return options_.optimize_forward && options_.device.is_cpu(); }
  // logits() (fast = false) and query_logits() (fast: through the inference copy where allowed).
  torch::Tensor run(const torch::Tensor& x, bool fast);
  // The module over an already preprocessed batch: fixed-row passes, in groups side by
  // side where row_groups() gives more than one.
  torch::Tensor run_passes(torch::jit::Module& module, const torch::Tensor& input);
  // Row ranges for groups side by side (one range = run in this thread).
  std::vector<std::pair<int64_t, int64_t>> side_by_side_groups(int64_t n) const;
  // Runs fn, turning torch's and the interpreter's errors into one advlab::Error line.
  template <typename Fn>
  auto translate_errors(const torch::Tensor& x, Fn&& fn) -> decltype(fn());

  torch::jit::Module module_;
  std::optional<torch::jit::Module> inference_module_;  // for query_logits(); made at its first use
  bool inference_tried_ = false;                       // make_inference_module may decline (nullopt)
  std::optional<torch::jit::Module> pool_first_module_;  // made at the first pass; same bits as module_
  bool pool_first_tried_ = false;
  // Sample shapes the module itself has run without error. The inference copy only gets
  // these: its oneDNN convolutions do not check shapes (a wrong channel count crashes).
  std::vector<std::vector<int64_t>> accepted_shapes_;
  ClassifierOptions options_;
  torch::Tensor mean_, std_;  // [1, C, 1, 1] or undefined
  int64_t num_classes_ = 0;
  int64_t pass_rows_ = 0;  // resolved from options_.pass_rows and the device
  torch::ScalarType model_dtype_ = torch::kFloat32;  // what the module's parameters are: float32 or float64
};

}  // namespace advlab
