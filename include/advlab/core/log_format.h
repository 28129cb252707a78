#pragma once
// How progress is written. A terminal gets one line redrawn in place; anything else (a
// CI log, a Slurm job, `| tee`) gets plain lines a few seconds apart, so a redirected log
// stays readable; tools can ask for one JSON object per event; --quiet writes nothing.
#include <iosfwd>
#include <mutex>
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

// Stops progress output for the rest of the process, after any line being written: a
// fatal error printed from another thread (a lost rank, noticed by the heartbeat) is then
// the last line of the log, not followed by the main thread's next progress line.
void silence_progress();
bool progress_silenced();
// Held while a progress line is written (silence_progress waits for it); under it, the
// stream whose terminal line is drawn without its newline yet, if any.
std::mutex& progress_output_mutex();
std::ostream*& open_progress_line();

// The format in effect for `out`: kAuto resolved by whether out is std::cerr/std::cout
// on a terminal.
LogFormat resolved_log_format(const std::ostream* out);

}  // namespace advlab
