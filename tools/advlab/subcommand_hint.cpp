#include "subcommand_hint.h"

#include <algorithm>
#include <vector>

namespace advlab::cli {

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t next = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string unknown_subcommand_message(CLI::App& app, int argc, const char* const* argv) {
  CLI::App* current = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.rfind("-", 0) == 0) {
      // An option's value is not a subcommand word.
      const auto* option = current->get_option_no_throw(word);
      if (option && option->get_type_size_max() > 0 && word.find('=') == std::string::npos) ++i;
      continue;
    }
    auto subcommands = current->get_subcommands([](CLI::App*) { return true; });
    if (subcommands.empty()) return "";
    auto known = std::find_if(subcommands.begin(), subcommands.end(),
                              [&](CLI::App* sub) { return sub->get_name() == word; });
    if (known != subcommands.end()) {
      current = *known;
      continue;
    }
    const CLI::App* nearest = *std::min_element(subcommands.begin(), subcommands.end(), [&](CLI::App* a, CLI::App* b) {
      return edit_distance(word, a->get_name()) < edit_distance(word, b->get_name());
    });
    std::string where = current == &app ? "" : " of '" + current->get_name() + "'";
    return "unknown subcommand '" + word + "'" + where + " (did you mean '" + nearest->get_name() + "'?)";
  }
  return "";
}

}  // namespace advlab::cli
