#include "advlab/attacks/param_table.h"

#include <cmath>
#include <sstream>

namespace advlab {

namespace {

template <class... Fs>
struct Overload : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overload(Fs...) -> Overload<Fs...>;

double parse_number(const std::string& attack, const std::string& key, const std::string& text) {
  size_t used = 0;
  double out = 0;
  try {
    out = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  ADVLAB_CHECK(used == text.size() && !text.empty(), attack, ": option '", key, "' expects a number, got '",
               text, "'");
  ADVLAB_CHECK(std::isfinite(out), attack, ": option '", key, "' must be finite, got '", text, "'");
  return out;
}

int64_t parse_int(const std::string& attack, const std::string& key, const std::string& text) {
  double v = parse_number(attack, key, text);
  ADVLAB_CHECK(std::floor(v) == v && std::abs(v) < 9e15, attack, ": option '", key,
               "' expects an integer, got '", text, "'");
  return static_cast<int64_t>(v);
}

bool parse_bool(const std::string& attack, const std::string& key, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  throw Error(c10::str(attack, ": option '", key, "' expects true or false, got '", text, "'"));
}

std::string number_text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

std::string param_type_name(ParamType type) {
  switch (type) {
    case ParamType::kInt: return "integer";
    case ParamType::kNumber: return "number";
    case ParamType::kBool: return "true|false";
    case ParamType::kText: return "text";
  }
  return "text";
}

ParamType ParamRule::type(const ParamSlot& slot) const {
  return std::visit(Overload{[](int64_t*) { return ParamType::kInt; },
                             [](std::optional<int64_t>*) { return ParamType::kInt; },
                             [](double*) { return ParamType::kNumber; },
                             [](std::optional<double>*) { return ParamType::kNumber; },
                             [](bool*) { return ParamType::kBool; },
                             [](std::string*) { return ParamType::kText; }},
                    slot);
}

void ParamRule::parse(const std::string& attack, const ParamSlot& slot, const std::string& text) const {
  std::visit(Overload{[&](int64_t* v) { *v = parse_int(attack, name, text); },
                      [&](std::optional<int64_t>* v) { *v = parse_int(attack, name, text); },
                      [&](double* v) { *v = parse_number(attack, name, text); },
                      [&](std::optional<double>* v) { *v = parse_number(attack, name, text); },
                      [&](bool* v) { *v = parse_bool(attack, name, text); },
                      [&](std::string* v) { *v = text; }},
             slot);
  check(attack, slot);
}

void ParamRule::check(const std::string& attack, const ParamSlot& slot) const {
  auto number = [&](double v) {
    ADVLAB_CHECK(std::isfinite(v), attack, ": ", name, " must be finite, got ", v);
    if (min && min_exclusive) ADVLAB_CHECK(v > *min, attack, ": ", name, " must be > ", *min, ", got ", v);
    if (min && !min_exclusive) ADVLAB_CHECK(v >= *min, attack, ": ", name, " must be >= ", *min, ", got ", v);
    if (max && max_exclusive) ADVLAB_CHECK(v < *max, attack, ": ", name, " must be < ", *max, ", got ", v);
    if (max && !max_exclusive) ADVLAB_CHECK(v <= *max, attack, ": ", name, " must be <= ", *max, ", got ", v);
  };
  std::visit(Overload{[&](int64_t* v) { number(static_cast<double>(*v)); },
                      [&](std::optional<int64_t>* v) {
                        if (*v) number(static_cast<double>(**v));
                      },
                      [&](double* v) { number(*v); },
                      [&](std::optional<double>* v) {
                        if (*v) number(**v);
                      },
                      [](bool*) {},
                      [&](std::string* v) {
                        if (choices.empty()) return;
                        for (const auto& c : choices)
                          if (c == *v) return;
                        throw Error(c10::str(attack, ": ", name, " must be one of ", range(), ", got '", *v, "'"));
                      }},
             slot);
}

std::string ParamRule::range() const {
  if (!choices.empty()) {
    std::string s;
    for (const auto& c : choices) s += (s.empty() ? "" : " | ") + (c.empty() ? std::string("\"\"") : c);
    return s;
  }
  std::string s;
  if (min) s = (min_exclusive ? "> " : ">= ") + number_text(*min);
  if (max) s += (s.empty() ? "" : ", ") + std::string(max_exclusive ? "< " : "<= ") + number_text(*max);
  return s;
}

nlohmann::json slot_json(const ParamSlot& slot) {
  return std::visit(Overload{[](int64_t* v) { return nlohmann::json(*v); },
                             [](std::optional<int64_t>* v) { return *v ? nlohmann::json(**v) : nlohmann::json(); },
                             [](double* v) { return nlohmann::json(*v); },
                             [](std::optional<double>* v) { return *v ? nlohmann::json(**v) : nlohmann::json(); },
                             [](bool* v) { return nlohmann::json(*v); },
                             [](std::string* v) { return nlohmann::json(*v); }},
                    slot);
}

}  // namespace advlab
