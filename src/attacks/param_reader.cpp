#include "advlab/attacks/param_reader.h"

#include "advlab/core/error.h"

#include <cmath>

namespace advlab {

ParamReader::ParamReader(std::string attack, std::map<std::string, std::string> values)
    : attack_(std::move(attack)), values_(std::move(values)) {}

std::optional<std::string> ParamReader::take(const std::string& key) {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  used_.insert(key);
  return it->second;
}

std::optional<double> ParamReader::find_double(const std::string& key) {
  auto v = take(key);
  if (!v) return std::nullopt;
  size_t used = 0;
  double out = 0;
  try {
    out = std::stod(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  ADVLAB_CHECK(used == v->size() && !v->empty(), attack_, ": option '", key,
               "' expects a number, got '", *v, "'");
  ADVLAB_CHECK(!std::isnan(out), attack_, ": option '", key, "' is NaN");
  return out;
}

double ParamReader::get_double(const std::string& key, double fallback) {
  return find_double(key).value_or(fallback);
}

double ParamReader::require_double(const std::string& key) {
  auto v = find_double(key);
  ADVLAB_CHECK(v.has_value(), attack_, " needs option '", key, "'");
  return *v;
}

int64_t ParamReader::get_int(const std::string& key, int64_t fallback) {
  auto v = find_double(key);
  if (!v) return fallback;
  ADVLAB_CHECK(std::floor(*v) == *v, attack_, ": option '", key, "' expects an integer, got ", *v);
  ADVLAB_CHECK(*v >= -0x1p63 && *v < 0x1p63, attack_, ": option '", key, "' is out of range, got ", *v);
  return static_cast<int64_t>(*v);
}

int64_t ParamReader::get_steps(const std::string& own_name, int64_t fallback) {
  ADVLAB_CHECK(!(has(own_name) && has("steps")), attack_, ": give ", own_name, " or steps, not both");
  return get_int(own_name, get_int("steps", fallback));
}

bool ParamReader::get_bool(const std::string& key, bool fallback) {
  auto v = take(key);
  if (!v) return fallback;
  if (*v == "true" || *v == "1" || *v == "yes") return true;
  if (*v == "false" || *v == "0" || *v == "no") return false;
  throw Error(c10::str(attack_, ": option '", key, "' expects true or false, got '", *v, "'"));
}

std::string ParamReader::get_string(const std::string& key, const std::string& fallback) {
  return take(key).value_or(fallback);
}

void ParamReader::finish() const {
  for (const auto& [key, value] : values_)
    ADVLAB_CHECK(used_.count(key), attack_, " has no option '", key, "'");
}

}  // namespace advlab
