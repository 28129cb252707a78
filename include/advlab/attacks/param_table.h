#pragma once
// One table per attack declares each of its options once: name, type, default, accepted
// range, help and older names. Everything else reads it: parsing the command line's
// key=value strings, validating an options struct however it was built, params() for
// reports, `advlab attack --attack NAME --help`, `advlab list-attacks NAME` and the docs
// check. The defaults are the options struct's own (its TORCH_ARG initialisers), read
// from a prototype, so a table and a struct cannot disagree.
//
//   static const auto table = ParamTable<PgdOptions>("pgd", PgdOptions(0))
//       .add("steps", ADVLAB_FIELD(steps), "iterations per run").at_least(1);
//   PgdOptions o = table.parse({{"steps", "100"}});   // typed, validated, unknown keys refused
#include "advlab/core/error.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace advlab {

// What one key=value option of the command line means. Numbers are always finite.
enum class ParamType { kInt, kNumber, kBool, kText };
std::string param_type_name(ParamType type);

// A table's row as help pages and docs see it.
struct ParamInfo {
  std::string name;
  ParamType type = ParamType::kText;
  nlohmann::json default_value;  // null: no default (required, or "none" for optional numbers)
  std::string range;             // ">= 1", "linf | l2", "" when any value of the type goes
  std::string help;
  std::vector<std::string> aliases;
  bool required = false;
  std::vector<std::string> choices;  // text options with a fixed set of values
};

// Where a row's value lives inside an options struct.
using ParamSlot = std::variant<int64_t*, double*, bool*, std::string*, std::optional<double>*,
                               std::optional<int64_t>*>;

// The type-independent part of a row: its rules, and the parsing and checks over a slot.
struct ParamRule {
  std::string name;
  std::string help;
  std::vector<std::string> aliases;
  std::optional<double> min, max;
  bool min_exclusive = false, max_exclusive = false;
  std::vector<std::string> choices;  // text options: the accepted values (empty = any)
  bool required = false;
  std::string group;  // params() nests the row under this key (e.g. "transforms")

  ParamType type(const ParamSlot& slot) const;
  // Throws advlab::Error naming the attack and the option for unparsable or out-of-range text.
  void parse(const std::string& attack, const ParamSlot& slot, const std::string& text) const;
  void check(const std::string& attack, const ParamSlot& slot) const;
  std::string range() const;
};
nlohmann::json slot_json(const ParamSlot& slot);

// Key=value options as given (the command line's --set and flags).
using ParamValues = std::map<std::string, std::string>;

template <class Options>
class ParamTable {
 public:
  using Field = std::function<ParamSlot(Options&)>;

  ParamTable(std::string attack, Options prototype)
      : attack_(std::move(attack)), prototype_(std::move(prototype)) {}

  // A row; `field` maps an options struct to its member (see ADVLAB_FIELD). The setters
  // below refine the row added last.
  template <class F>
  ParamTable& add(std::string name, F field, std::string help) {
    ParamRule rule;
    rule.name = std::move(name);
    rule.help = std::move(help);
    rows_.push_back({std::move(rule), [field](Options& o) { return ParamSlot(&field(o)); }});
    return *this;
  }
  ParamTable& at_least(double v) { return last([&](ParamRule& r) { r.min = v; }); }
  ParamTable& above(double v) { return last([&](ParamRule& r) { r.min = v, r.min_exclusive = true; }); }
  ParamTable& at_most(double v) { return last([&](ParamRule& r) { r.max = v; }); }
  ParamTable& below(double v) { return last([&](ParamRule& r) { r.max = v, r.max_exclusive = true; }); }
  ParamTable& one_of(std::vector<std::string> v) { return last([&](ParamRule& r) { r.choices = v; }); }
  ParamTable& alias(std::string v) { return last([&](ParamRule& r) { r.aliases.push_back(v); }); }
  ParamTable& required() { return last([&](ParamRule& r) { r.required = true; }); }
  ParamTable& in_group(std::string v) { return last([&](ParamRule& r) { r.group = v; }); }

  const std::string& attack() const { return attack_; }

  // The prototype with the given options applied; unknown keys, unparsable values and
  // values out of range are advlab::Errors naming the attack and the option.
  Options parse(const ParamValues& values) const {
    Options o = prototype_;
    std::map<std::string, bool> used;
    for (const auto& row : rows_) {
      const std::string* given_as = nullptr;
      for (const auto* key : keys(row.rule)) {
        if (!values.count(*key)) continue;
        ADVLAB_CHECK(!given_as, attack_, ": give ", *given_as, " or ", *key, ", not both");
        given_as = key;
        used[*key] = true;
      }
      if (given_as) row.rule.parse(attack_, row.field(o), values.at(*given_as));
      else ADVLAB_CHECK(!row.rule.required, attack_, " needs option '", row.rule.name, "'");
    }
    for (const auto& [key, value] : values)
      ADVLAB_CHECK(used.count(key), attack_, " has no option '", key, "' (its options: ", names(), ")");
    validate(o);
    return o;
  }

  // Every row's value within its range (for options built in code, not parsed).
  void validate(const Options& options) const {
    Options o = options;
    for (const auto& row : rows_) row.rule.check(attack_, row.field(o));
  }

  // Every option in effect, for reports; grouped rows nest under their group.
  nlohmann::json to_json(const Options& options) const {
    Options o = options;
    nlohmann::json j = nlohmann::json::object();
    for (const auto& row : rows_) {
      auto v = slot_json(row.field(o));
      if (row.rule.group.empty()) j[row.rule.name] = v;
      else j[row.rule.group][row.rule.name] = v;
    }
    return j;
  }

  std::vector<ParamInfo> describe() const {
    Options o = prototype_;
    std::vector<ParamInfo> out;
    for (const auto& row : rows_) {
      auto slot = row.field(o);
      out.push_back({row.rule.name, row.rule.type(slot), row.rule.required ? nlohmann::json() : slot_json(slot),
                     row.rule.range(), row.rule.help, row.rule.aliases, row.rule.required, row.rule.choices});
    }
    return out;
  }

 private:
  struct Row {
    ParamRule rule;
    Field field;
  };
  template <class Edit>
  ParamTable& last(Edit edit) {
    ADVLAB_CHECK(!rows_.empty(), attack_, ": parameter rule before any parameter");
    edit(rows_.back().rule);
    return *this;
  }
  static std::vector<const std::string*> keys(const ParamRule& rule) {
    std::vector<const std::string*> k{&rule.name};
    for (const auto& a : rule.aliases) k.push_back(&a);
    return k;
  }
  std::string names() const {
    std::string s;
    for (const auto& row : rows_) s += (s.empty() ? "" : ", ") + row.rule.name;
    return s;
  }

  std::string attack_;
  Options prototype_;
  std::vector<Row> rows_;
};

}  // namespace advlab

// The member `field` of an options struct built with TORCH_ARG, as a ParamTable field.
#define ADVLAB_FIELD(field) [](auto& o) -> auto& { return o.field(); }
