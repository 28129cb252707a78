#pragma once
// A one-line progress display for long work: done/total, rate, ETA, plus custom fields.
// Redrawn in place with '\r'; finish() ends the line.
#include <chrono>
#include <iosfwd>
#include <string>

namespace advlab {

class ProgressLine {
 public:
  // unit: what is counted ("img"); out may be nullptr (silent).
  ProgressLine(std::ostream* out, std::string label, int64_t total, std::string unit = "img");
  // Sets the count done so far and redraws (at most ~10 times a second).
  void update(int64_t done, const std::string& fields = "");
  void finish(const std::string& fields = "");
  double elapsed_seconds() const;

 private:
  void draw(int64_t done, const std::string& fields, bool final);

  std::ostream* out_;
  std::string label_, unit_;
  int64_t total_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "1m05s" style durations.
std::string format_duration(double seconds);

}  // namespace advlab
