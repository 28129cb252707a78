#include "option_values.h"

#include "advlab/core/error.h"

#include <c10/util/StringUtil.h>

#include <cstdlib>
#include <sstream>

namespace advlab::cli {

void reject_empty_values(CLI::App& app) {
  for (auto* option : app.get_options()) {
    if (option->get_type_size_max() <= 0) continue;  // a flag
    option->check(CLI::Validator(
        [](std::string& value) { return value.empty() ? std::string("empty value (give one, or leave the option out)") : ""; },
        "", "non-empty"));
  }
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) reject_empty_values(*sub);
}

std::vector<double> parse_number_list(const std::string& flag, const std::vector<std::string>& texts) {
  std::vector<double> values;
  for (const auto& text : texts) {
    std::stringstream items(text);
    std::string item;
    size_t count = 0;
    while (std::getline(items, item, ',')) {
      ++count;
      ADVLAB_CHECK(!item.empty(), flag, ": empty item in '", text, "'");
      char* end = nullptr;
      const double v = std::strtod(item.c_str(), &end);
      ADVLAB_CHECK(end == item.c_str() + item.size(), flag, ": '", item, "' in '", text, "' is not a number");
      values.push_back(v);
    }
    // getline yields nothing for "" and drops a trailing empty item ("0.1,").
    ADVLAB_CHECK(count > 0 && text.back() != ',', flag, ": empty item in '", text, "'");
  }
  return values;
}

CLI::Option* add_number_list(CLI::App& cmd, const std::string& name, std::vector<double>& values,
                             const std::string& help) {
  auto* option = cmd.add_option_function<std::vector<std::string>>(
      name, [&values, name](const std::vector<std::string>& texts) { values = parse_number_list(name, texts); },
      help);
  if (!values.empty()) option->default_str(c10::Join(",", values));
  return option;
}

std::map<std::string, std::map<std::string, std::string>> per_attack_settings(const std::vector<std::string>& settings) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& s : settings) {
    auto dot = s.find('.'), eq = s.find('=');
    ADVLAB_CHECK(dot != std::string::npos && eq != std::string::npos && dot > 0 && eq > dot + 1,
                 "--set expects attack.key=value, got '", s, "'");
    out[s.substr(0, dot)][s.substr(dot + 1, eq - dot - 1)] = s.substr(eq + 1);
  }
  return out;
}

}  // namespace advlab::cli
