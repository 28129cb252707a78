#include "advlab/core/progress.h"

#include "advlab/core/log_format.h"

#include <cmath>
#include <cstdio>
#include <mutex>
#include <ostream>

namespace advlab {

namespace {

// A terminal redraw is cheap; a log line is not: one every few seconds keeps a
// redirected 10-minute run to a couple of hundred lines.
constexpr std::chrono::milliseconds kTerminalInterval{100};
constexpr std::chrono::seconds kLogInterval{5};

// Held while a progress line is written; under it, whether output is silenced and the
// stream whose terminal line has no newline yet.
std::mutex g_output_mutex;
bool g_silenced = false;
std::ostream* g_open_line = nullptr;

}  // namespace

void silence_progress() {
  std::lock_guard<std::mutex> lock(g_output_mutex);
  g_silenced = true;
  if (g_open_line) *g_open_line << "\n" << std::flush;  // the error starts a line of its own
  g_open_line = nullptr;
}

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

ProgressWriter::ProgressWriter(std::ostream* out)
    : out_(out), format_(static_cast<int>(resolved_log_format(out))) {
  if (static_cast<LogFormat>(format_) == LogFormat::kQuiet) out_ = nullptr;
  interval_ = static_cast<LogFormat>(format_) == LogFormat::kTerminal
                  ? std::chrono::steady_clock::duration(kTerminalInterval)
                  : std::chrono::steady_clock::duration(kLogInterval);
  last_write_ = std::chrono::steady_clock::now();
}

bool ProgressWriter::due(bool final) const {
  if (!out_) return false;
  return final || std::chrono::steady_clock::now() - last_write_ >= interval_;
}

void ProgressWriter::write(const std::string& text, nlohmann::json event, bool final) {
  if (!out_) return;
  std::lock_guard<std::mutex> lock(g_output_mutex);
  if (g_silenced) return;
  last_write_ = std::chrono::steady_clock::now();
  switch (static_cast<LogFormat>(format_)) {
    case LogFormat::kTerminal:
      *out_ << "\r" << text << "\033[K" << (final ? "\n" : "");
      g_open_line = final ? nullptr : out_;
      break;
    case LogFormat::kJson:
      event["event"] = final ? "done" : "progress";
      *out_ << event.dump() << "\n";
      break;
    default:
      *out_ << text << "\n";
      break;
  }
  out_->flush();
}

ProgressLine::ProgressLine(std::ostream* out, std::string label, int64_t total, std::string unit)
    : writer_(out),
      label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      start_(std::chrono::steady_clock::now()) {}

double ProgressLine::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressLine::update(int64_t done, const std::string& fields) {
  if (writer_.due(false)) draw(done, fields, false);
}

void ProgressLine::finish(const std::string& fields) { draw(total_, fields, true); }

void ProgressLine::draw(int64_t done, const std::string& fields, bool final) {
  if (writer_.silent()) return;
  double elapsed = elapsed_seconds();
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : -1;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %ld/%ld | %.1f %s/s | %s %s", label_.c_str(),
                static_cast<long>(done), static_cast<long>(total_), rate, unit_.c_str(),
                final ? "took" : "ETA", format_duration(final ? elapsed : eta).c_str());
  std::string text = buf;
  if (!fields.empty()) text += " | " + fields;
  nlohmann::json event = {{"label", label_}, {"done", done},        {"total", total_},
                          {"unit", unit_},   {"rate", rate},        {"elapsed_s", elapsed}};
  if (!final && eta >= 0) event["eta_s"] = eta;
  if (!fields.empty()) event["fields"] = fields;
  writer_.write(text, std::move(event), final);
}

}  // namespace advlab
