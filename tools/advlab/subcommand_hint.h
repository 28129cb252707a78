#pragma once
// "advlab atack ..." should say which word was not understood and what was meant, not
// only CLI11's "The following arguments were not expected".
#include <CLI/CLI.hpp>

#include <string>

namespace advlab::cli {

// For a command line whose subcommand word is unknown (at the top level or below, e.g.
// "gan trian"): "unknown subcommand 'trian' of 'gan' (did you mean 'train'?)". Empty
// when every subcommand word is known.
std::string unknown_subcommand_message(CLI::App& app, int argc, const char* const* argv);

}  // namespace advlab::cli
