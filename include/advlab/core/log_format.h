#pragma once
// How progress is written. A terminal gets one line redrawn in place; anything else (a
// CI log, a Slurm job, `| tee`) gets plain lines a few seconds apart, so a redirected log
// stays readable; tools can ask for one JSON object per event; --quiet writes nothing.
#include <iosfwd>
#include <string>

namespace advlab {

enum class LogFormat {
  kAuto,   // kTerminal when the stream is a terminal, else kPlain
  kTerminal,
  kPlain,
  kJson,
  kQuiet,
};

// Process-wide choice (the CLI's --quiet / --log-format); kAuto by default.
void set_log_format(LogFormat format);
LogFormat log_format();
// "auto" | "terminal" | "plain" | "json" | "quiet"; throws advlab::Error otherwise.
LogFormat parse_log_format(const std::string& name);

// The format in effect for `out`: kAuto resolved by whether out is std::cerr/std::cout
// on a terminal.
LogFormat resolved_log_format(const std::ostream* out);

}  // namespace advlab
