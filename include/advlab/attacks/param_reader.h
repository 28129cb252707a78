#pragma once
// Attack options arrive from the command line as key=value strings. A ParamReader hands
// them out typed, remembers which were used, and finish() rejects any left over, so a
// misspelt option is an error instead of being silently ignored.
#include <map>
#include <optional>
#include <set>
#include <string>

namespace advlab {

class ParamReader {
 public:
  ParamReader(std::string attack, std::map<std::string, std::string> values);

  double get_double(const std::string& key, double fallback);
  int64_t get_int(const std::string& key, int64_t fallback);
  // The iteration count: `steps` (the command line's --steps, one name across attacks)
  // or the attack's own older name (`n_iter`, `max_iter`, ...); both at once is an error.
  int64_t get_steps(const std::string& own_name, int64_t fallback);
  bool get_bool(const std::string& key, bool fallback);
  std::string get_string(const std::string& key, const std::string& fallback);
  std::optional<double> find_double(const std::string& key);
  // Throws advlab::Error naming the attack when the key is absent.
  double require_double(const std::string& key);

  bool has(const std::string& key) const { return values_.count(key) > 0; }
  // Throws advlab::Error if any key was never read.
  void finish() const;

 private:
  std::optional<std::string> take(const std::string& key);

  std::string attack_;
  std::map<std::string, std::string> values_;
  std::set<std::string> used_;
};

}  // namespace advlab
