#include "advlab/io/html_page.h"

#include "advlab/io/atomic_file.h"
#include "advlab/io/base64.h"
#include "read_file.h"

#include <algorithm>

namespace advlab::io {
namespace {

constexpr const char* kStyle = R"(
body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1, h2, h3 { font-weight: 600; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }
th { background: #f2f2f2; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1em 0; }
figure img { image-rendering: pixelated; max-width: 100%; }
figcaption { color: #555; font-size: 0.9em; }
)";

// Records where the first table starts (CSS pixels), so a headless browser can check that
// the answer is on the first screen.
constexpr const char* kLayoutProbe =
    "<script data-advlab=\"layout\">(function () { var t = document.querySelector('table'); if (t) "
    "document.body.setAttribute('data-table-top', String(Math.round(t.getBoundingClientRect().top))); })();"
    "</script>\n";

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

HtmlPage::HtmlPage(std::string title) : title_(std::move(title)) {}

HtmlPage& HtmlPage::heading(const std::string& text, int level) {
  std::string tag = "h" + std::to_string(std::clamp(level, 1, 6));
  body_ += "<" + tag + ">" + html_escape(text) + "</" + tag + ">\n";
  return *this;
}

HtmlPage& HtmlPage::paragraph(const std::string& text) {
  body_ += "<p>" + html_escape(text) + "</p>\n";
  return *this;
}

HtmlPage& HtmlPage::table(const std::vector<std::string>& header,
                          const std::vector<std::vector<std::string>>& rows) {
  body_ += "<table>\n";
  if (!header.empty()) {
    body_ += "<tr>";
    for (const auto& cell : header) body_ += "<th>" + html_escape(cell) + "</th>";
    body_ += "</tr>\n";
  }
  for (const auto& row : rows) {
    body_ += "<tr>";
    for (const auto& cell : row) body_ += "<td>" + html_escape(cell) + "</td>";
    body_ += "</tr>\n";
  }
  body_ += "</table>\n";
  return *this;
}

HtmlPage& HtmlPage::image_file(const std::string& png_path, const std::string& caption) {
  return image_bytes(read_file_bytes(png_path), caption);
}

HtmlPage& HtmlPage::image_bytes(const std::string& png_bytes, const std::string& caption) {
  body_ += "<figure><img alt=\"" + html_escape(caption) + "\" src=\"data:image/png;base64," +
           base64_encode(png_bytes) + "\">";
  if (!caption.empty()) body_ += "<figcaption>" + html_escape(caption) + "</figcaption>";
  body_ += "</figure>\n";
  return *this;
}

HtmlPage& HtmlPage::raw(const std::string& html) {
  body_ += html + "\n";
  return *this;
}

HtmlPage& HtmlPage::svg_figure(const std::string& svg_markup, const std::string& caption) {
  body_ += "<figure>" + svg_markup;
  if (!caption.empty()) body_ += "<figcaption>" + html_escape(caption) + "</figcaption>";
  body_ += "</figure>\n";
  return *this;
}

std::string HtmlPage::render() const {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         html_escape(title_) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" +
         html_escape(title_) + "</h1>\n" + body_ + kLayoutProbe + "</body>\n</html>\n";
}

void HtmlPage::save(const std::string& path) const { write_file_atomic(path, render()); }

}  // namespace advlab::io
