#include "advlab/io/html_page.h"
#include "advlab/io/base64.h"
#include "advlab/io/image_grid.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using advlab::testing::ScratchDir;

TEST(Base64, Rfc4648Vectors) {
  using advlab::io::base64_encode;
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(HtmlPage, EscapesTextEverywhere) {
  EXPECT_EQ(advlab::io::html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  auto html = advlab::io::HtmlPage("Report <1>")
                  .heading("x < y")
                  .paragraph("Tom & Jerry")
                  .table({"name", "<col>"}, {{"<script>", "1"}})
                  .render();
  EXPECT_NE(html.find("<title>Report &lt;1&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find("<h2>x &lt; y</h2>"), std::string::npos);
  EXPECT_NE(html.find("<p>Tom &amp; Jerry</p>"), std::string::npos);
  EXPECT_NE(html.find("<th>&lt;col&gt;</th>"), std::string::npos);
  EXPECT_NE(html.find("<td>&lt;script&gt;</td>"), std::string::npos);
  // The only script is the page's own layout probe: no text became markup.
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("<script data-advlab=\"layout\">"), std::string::npos);
}

TEST(HtmlPage, EmbedsImagesAsDataUrisAndSavesAtomically) {
  ScratchDir dir;
  auto png = advlab::io::encode_png(torch::rand({1, 4, 4}));
  advlab::testing::write_bytes(dir.file("img.png"), png);
  advlab::io::HtmlPage page("Images");
  page.image_file(dir.file("img.png"), "first & only");
  auto html = page.render();
  EXPECT_NE(html.find("data:image/png;base64," + advlab::io::base64_encode(png)),
            std::string::npos);
  EXPECT_NE(html.find("<figcaption>first &amp; only</figcaption>"), std::string::npos);
  EXPECT_THROW(page.image_file(dir.file("missing.png")), advlab::Error);

  page.save(dir.file("out/report.html"));
  EXPECT_EQ(advlab::testing::read_bytes(dir.file("out/report.html")), html);
}
