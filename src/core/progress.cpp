#include "advlab/core/progress.h"

#include <cstdio>
#include <ostream>

namespace advlab {

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", static_cast<long>(s / 3600), static_cast<long>(s % 3600 / 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", static_cast<long>(s / 60), static_cast<long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lds", static_cast<long>(s));
  return buf;
}

ProgressLine::ProgressLine(std::ostream* out, std::string label, int64_t total, std::string unit)
    : out_(out),
      label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double ProgressLine::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressLine::update(int64_t done, const std::string& fields) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
  last_draw_ = now;
  draw(done, fields, false);
}

void ProgressLine::finish(const std::string& fields) { draw(total_, fields, true); }

void ProgressLine::draw(int64_t done, const std::string& fields, bool final) {
  if (!out_) return;
  double elapsed = elapsed_seconds();
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : -1;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %ld/%ld | %.1f %s/s | %s %s", label_.c_str(),
                static_cast<long>(done), static_cast<long>(total_), rate, unit_.c_str(),
                final ? "took" : "ETA", format_duration(final ? elapsed : eta).c_str());
  *out_ << "\r" << buf << (fields.empty() ? "" : " | ") << fields << "\033[K";
  if (final) *out_ << "\n";
  out_->flush();
}

}  // namespace advlab
