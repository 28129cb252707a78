#include "advlab/eval/evaluation_state.h"

#include "advlab/core/error.h"
#include "advlab/io/tensor_file.h"

#include <torch/torch.h>

#include <cstring>
#include <map>

namespace advlab::eval {

namespace {

constexpr int kStateVersion = 1;

// The JSON part travels inside the tensor file as bytes, so one rename publishes both.
torch::Tensor text_tensor(const std::string& text) {
  auto t = torch::empty({static_cast<int64_t>(text.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr(), text.data(), text.size());
  return t;
}

std::string tensor_text(const torch::Tensor& t, const std::string& path) {
  ADVLAB_CHECK(t.scalar_type() == torch::kUInt8 && t.dim() == 1, path,
               ": damaged evaluation state (its 'meta' record is not text)");
  auto c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

// The first key whose value differs, for the error message.
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b) {
  for (const auto& [key, value] : a.items())
    if (!b.contains(key) || b.at(key) != value) return key;
  for (const auto& [key, value] : b.items())
    if (!a.contains(key)) return key;
  return "";
}

EvaluationState read_state(const nlohmann::json& meta, const std::map<std::string, torch::Tensor>& in,
                           const std::string& path, const nlohmann::json& identity) {
  auto need = [&](const std::string& name) {
    auto it = in.find(name);
    ADVLAB_CHECK(it != in.end(), path, ": damaged evaluation state (no '", name, "' record)");
    return it->second;
  };
  EvaluationState state;
  state.identity = identity;
  state.finished_eps = meta.at("finished_eps").get<size_t>();
  const auto& per_eps = meta.at("per_eps");
  for (size_t e = 0; e < per_eps.size(); ++e) {
    auto p = "eps" + std::to_string(e) + ".";
    EpsEvaluation at;
    at.eps = per_eps[e].at("eps").get<double>();
    at.correct = need(p + "correct");
    at.robust = need(p + "robust");
    at.broken_by = need(p + "broken_by");
    at.adversarials = need(p + "adversarials");
    const auto& stages = per_eps[e].at("stages");
    for (size_t k = 0; k < stages.size(); ++k) {
      auto q = p + "stage" + std::to_string(k) + ".";
      AttackStage s;
      s.attack = stages[k].at("attack").get<std::string>();
      s.family = stages[k].at("family").get<std::string>();
      s.params = stages[k].at("params");
      s.seconds = stages[k].at("seconds").get<double>();
      s.queries = stages[k].at("queries").get<int64_t>();
      s.gradients = stages[k].at("gradients").get<int64_t>();
      s.attacked = need(q + "attacked");
      s.broken = need(q + "broken");
      s.silent_failures = need(q + "silent_failures");
      at.stages.push_back(std::move(s));
    }
    state.per_eps.push_back(std::move(at));
  }
  ADVLAB_CHECK(state.finished_eps <= state.per_eps.size(), path, ": damaged evaluation state (eps count)");
  state.smallest_distance = need("smallest_distance");
  if (meta.contains("partial")) {
    PartialStage partial;
    partial.batches = meta["partial"].at("batches").get<int64_t>();
    partial.seconds = meta["partial"].at("seconds").get<double>();
    partial.result = take_result(in, "partial.");
    partial.result.iterations = meta["partial"].at("iterations").get<int64_t>();
    ADVLAB_CHECK(partial.result.success.defined(), path, ": damaged evaluation state (partial attack)");
    state.partial = std::move(partial);
  }
  return state;
}

}  // namespace

void put_result(io::NamedTensors& out, const std::string& prefix, const AttackResult& r) {
  auto put = [&](const std::string& name, const torch::Tensor& t) {
    if (t.defined()) out.emplace_back(prefix + name, t);
  };
  put("adversarials", r.adversarials);
  put("success", r.success);
  put("predictions", r.predictions);
  put("l0", r.distances.l0);
  put("l1", r.distances.l1);
  put("l2", r.distances.l2);
  put("linf", r.distances.linf);
  put("queries", r.queries);
  put("gradients", r.gradients);
  put("minimum_distance", r.minimum_distance);
  put("silent_failure", r.silent_failure);
  for (const auto& [name, values] : r.extras) put("extra." + name, values);
}

AttackResult take_result(const std::map<std::string, torch::Tensor>& in, const std::string& prefix) {
  auto get = [&](const std::string& name) {
    auto it = in.find(prefix + name);
    return it == in.end() ? torch::Tensor() : it->second;
  };
  AttackResult r;
  r.adversarials = get("adversarials");
  r.success = get("success");
  r.predictions = get("predictions");
  r.distances = {get("l0"), get("l1"), get("l2"), get("linf")};
  r.queries = get("queries");
  r.gradients = get("gradients");
  r.minimum_distance = get("minimum_distance");
  r.silent_failure = get("silent_failure");
  for (const auto& [name, values] : in)
    if (name.rfind(prefix + "extra.", 0) == 0) r.extras[name.substr(prefix.size() + 6)] = values;
  return r;
}

void save_evaluation_state(const std::string& path, const EvaluationState& state) {
  io::NamedTensors tensors;
  nlohmann::json meta = {{"version", kStateVersion}, {"identity", state.identity},
                         {"finished_eps", state.finished_eps}};
  meta["per_eps"] = nlohmann::json::array();
  for (size_t e = 0; e < state.per_eps.size(); ++e) {
    const auto& at = state.per_eps[e];
    auto p = "eps" + std::to_string(e) + ".";
    tensors.emplace_back(p + "correct", at.correct);
    tensors.emplace_back(p + "robust", at.robust);
    tensors.emplace_back(p + "broken_by", at.broken_by);
    tensors.emplace_back(p + "adversarials", at.adversarials);
    nlohmann::json stages = nlohmann::json::array();
    for (size_t k = 0; k < at.stages.size(); ++k) {
      const auto& s = at.stages[k];
      auto q = p + "stage" + std::to_string(k) + ".";
      tensors.emplace_back(q + "attacked", s.attacked);
      tensors.emplace_back(q + "broken", s.broken);
      tensors.emplace_back(q + "silent_failures", s.silent_failures);
      stages.push_back({{"attack", s.attack}, {"family", s.family}, {"params", s.params},
                        {"seconds", s.seconds}, {"queries", s.queries}, {"gradients", s.gradients}});
    }
    meta["per_eps"].push_back({{"eps", at.eps}, {"stages", stages}});
  }
  tensors.emplace_back("smallest_distance", state.smallest_distance);
  if (state.partial) {
    meta["partial"] = {{"batches", state.partial->batches}, {"seconds", state.partial->seconds},
                       {"iterations", state.partial->result.iterations}};
    put_result(tensors, "partial.", state.partial->result);
  }
  tensors.emplace_back("meta", text_tensor(meta.dump()));
  io::save_tensors(path, tensors);
}

EvaluationState load_evaluation_state(const std::string& path, const nlohmann::json& identity) {
  std::map<std::string, torch::Tensor> in;
  for (auto& [name, tensor] : io::load_tensors(path)) in[name] = tensor;
  ADVLAB_CHECK(in.count("meta"), path, ": not an evaluation state (no 'meta' record)");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(tensor_text(in.at("meta"), path));
  } catch (const nlohmann::json::exception&) {
    throw Error(c10::str(path, ": damaged evaluation state (its 'meta' record is not JSON)"));
  }
  // A record of the right name but the wrong shape is damage too, not a crash.
  try {
    ADVLAB_CHECK(meta.value("version", 0) == kStateVersion, path, ": evaluation state of another advlab version");
    auto diff = first_difference(meta.at("identity"), identity);
    ADVLAB_CHECK(diff.empty(), path, ": the saved state belongs to another evaluation ('", diff,
                 "' differs); delete it or run without --resume");
    return read_state(meta, in, path, identity);
  } catch (const nlohmann::json::exception& e) {
    throw Error(c10::str(path, ": damaged evaluation state (", e.what(), ")"));
  }
}

}  // namespace advlab::eval
