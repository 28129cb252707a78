// Caption text via stb_easy_font: it emits axis-aligned quads, one per stroke segment,
// which we fill straight into the pixel buffer. Its functions are static, so this is the
// only file that includes it.
#include "canvas.h"

#include <stb/stb_easy_font.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace advlab::io {
namespace {

// The font covers printable ASCII only; anything else would index outside its tables.
std::vector<char> printable(const std::string& text) {
  std::vector<char> out;
  for (char c : text) out.push_back(c >= 32 && c < 127 ? c : '?');
  out.push_back('\0');
  return out;
}

struct FontVertex {  // stb_easy_font's vertex layout: 16 bytes
  float x, y, z;
  unsigned char color[4];
};

}  // namespace

int text_width(const std::string& text) {
  auto chars = printable(text);
  return stb_easy_font_width(chars.data());
}

int text_height() { return 12; }  // one line of stb_easy_font, descenders included

void Canvas::draw_text(const std::string& text, int x, int y, uint8_t value) {
  auto chars = printable(text);
  // The library documents ~270 bytes per character on average; leave ample room.
  std::vector<FontVertex> vertices(chars.size() * 64 + 64);
  int quads =
      stb_easy_font_print(static_cast<float>(x), static_cast<float>(y), chars.data(), nullptr,
                          vertices.data(), static_cast<int>(vertices.size() * sizeof(FontVertex)));
  for (int q = 0; q < quads; ++q) {
    const FontVertex* v = &vertices[static_cast<size_t>(q) * 4];
    float x0 = v[0].x, x1 = v[0].x, y0 = v[0].y, y1 = v[0].y;
    for (int k = 1; k < 4; ++k) {
      x0 = std::min(x0, v[k].x);
      x1 = std::max(x1, v[k].x);
      y0 = std::min(y0, v[k].y);
      y1 = std::max(y1, v[k].y);
    }
    fill_rect(static_cast<int>(std::lround(x0)), static_cast<int>(std::lround(y0)),
              static_cast<int>(std::lround(x1)), static_cast<int>(std::lround(y1)), value);
  }
}

}  // namespace advlab::io
