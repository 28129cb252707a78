#pragma once
// Progress for long work: done/total, rate, ETA, plus custom fields. On a terminal the
// line is redrawn in place with '\r'; elsewhere (see log_format.h) it is a plain line
// every few seconds, or one JSON object per event, or nothing.
#include <nlohmann/json.hpp>

#include <chrono>
#include <iosfwd>
#include <string>

namespace advlab {

// Writes one progress event to a stream in the process's log format, at most as often as
// that format wants (a terminal ~10 times a second; a log every kLogInterval).
class ProgressWriter {
 public:
  // out may be nullptr (silent).
  explicit ProgressWriter(std::ostream* out);

  // True when an event now would be written (final events always are).
  bool due(bool final) const;
  // text: the human line; event: the same facts for --log-format json.
  void write(const std::string& text, nlohmann::json event, bool final);
  bool silent() const { return out_ == nullptr; }

 private:
  std::ostream* out_;
  int format_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_write_;
};

class ProgressLine {
 public:
  // unit: what is counted ("img"); out may be nullptr (silent).
  ProgressLine(std::ostream* out, std::string label, int64_t total, std::string unit = "img");
  // Sets the count done so far and redraws (as often as the log format wants).
  void update(int64_t done, const std::string& fields = "");
  void finish(const std::string& fields = "");
  double elapsed_seconds() const;

 private:
  void draw(int64_t done, const std::string& fields, bool final);

  ProgressWriter writer_;
  std::string label_, unit_;
  int64_t total_;
  std::chrono::steady_clock::time_point start_;
};

// "1m05s" style durations.
std::string format_duration(double seconds);

// Stops progress output for the rest of the process, after any line being written (an
// open terminal line is ended): a fatal error printed from another thread (a lost rank,
// noticed by the heartbeat) is then the log's last line, not followed by the main
// thread's next progress line.
void silence_progress();

}  // namespace advlab
