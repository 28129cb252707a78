#include "advlab/core/log_format.h"

#include "advlab/core/error.h"

#include <unistd.h>

#include <atomic>
#include <iostream>

namespace advlab {

namespace {

std::atomic<LogFormat> g_format{LogFormat::kAuto};

}  // namespace

void set_log_format(LogFormat format) { g_format = format; }

LogFormat log_format() { return g_format; }

LogFormat parse_log_format(const std::string& name) {
  if (name == "auto") return LogFormat::kAuto;
  if (name == "terminal") return LogFormat::kTerminal;
  if (name == "plain") return LogFormat::kPlain;
  if (name == "json") return LogFormat::kJson;
  if (name == "quiet") return LogFormat::kQuiet;
  throw Error("unknown log format '" + name + "' (known: auto, terminal, plain, json, quiet)");
}

LogFormat resolved_log_format(const std::ostream* out) {
  LogFormat f = g_format;
  if (f != LogFormat::kAuto) return f;
  int fd = -1;
  if (out == &std::cerr || out == &std::clog) fd = STDERR_FILENO;
  if (out == &std::cout) fd = STDOUT_FILENO;
  return fd >= 0 && isatty(fd) ? LogFormat::kTerminal : LogFormat::kPlain;
}

}  // namespace advlab
