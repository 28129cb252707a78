#pragma once
// A small self-contained HTML page builder: images are embedded as data URIs, so the
// page is one file that can be mailed or archived.
#include <string>
#include <vector>

namespace advlab::io {

class HtmlPage {
 public:
  explicit HtmlPage(std::string title);
  HtmlPage& heading(const std::string& text, int level = 2);
  HtmlPage& paragraph(const std::string& text);
  HtmlPage& table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows);
  // Embeds a PNG file from disk (throws advlab::Error if it cannot be read).
  HtmlPage& image_file(const std::string& png_path, const std::string& caption = "");
  HtmlPage& image_bytes(const std::string& png_bytes, const std::string& caption = "");
  // Inserts trusted markup as it is (charts, scripts built by advlab itself).
  HtmlPage& raw(const std::string& html);
  // Inlines an SVG drawing the caller generated (the markup is trusted, not escaped).
  HtmlPage& svg_figure(const std::string& svg_markup, const std::string& caption = "");
  std::string render() const;
  void save(const std::string& path) const;  // atomic

 private:
  std::string title_;
  std::string body_;
};

std::string html_escape(const std::string& text);

}  // namespace advlab::io
