// The HTML pages of `advlab eval`, `attack` and `quickstart` opened in headless Chromium
// at 1200x900: each renders, draws its chart, shows no console errors, and leads with its
// answer (chart and table on the first screen).
#include "advlab/io/json_file.h"
#include "support/cli_runner.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <stb/stb_image.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

namespace advlab {
namespace {

using testing::read_bytes;

std::string chromium_binary() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::string probe = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return name;
  }
  return "";
}

// What headless Chromium made of a page at 1200x900: the DOM after its scripts ran, the
// console log and the screenshot.
struct RenderedPage {
  std::string dom, log;
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;
};

RenderedPage render(const std::string& browser, const std::string& html_path, const std::string& work) {
  RenderedPage page;
  auto url = "file://" + html_path;
  auto flags = " --headless --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 ";
  auto shot = work + "/screenshot.png";
  std::string cmd = browser + flags + "--window-size=1200,900 --screenshot=" + shot + " " + url + " > " + work +
                    "/chromium.out 2> " + work + "/chromium.err";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << read_bytes(work + "/chromium.err");
  std::string dom_cmd = browser + flags + "--window-size=1200,900 --dump-dom " + url + " > " + work +
                        "/dom.html 2> " + work + "/dom.err";
  EXPECT_EQ(std::system(dom_cmd.c_str()), 0) << read_bytes(work + "/dom.err");
  page.dom = read_bytes(work + "/dom.html");
  page.log = read_bytes(work + "/chromium.err") + read_bytes(work + "/dom.err");
  int c = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(stbi_load(shot.c_str(), &page.width, &page.height, &c, 3),
                                                         stbi_image_free);
  if (pixels) page.rgb.assign(pixels.get(), pixels.get() + int64_t(page.width) * page.height * 3);
  return page;
}

// The integer value of a body attribute the page's scripts set, or -1.
int64_t body_attribute(const std::string& dom, const std::string& name) {
  auto at = dom.find(name + "=\"");
  if (at == std::string::npos) return -1;
  return std::atoll(dom.c_str() + at + name.size() + 2);
}

// A report leads with its answer: the chart is drawn and ends on the first screen, the
// first table starts on it, the top of the screenshot is not blank, no console errors.
void expect_answer_on_first_screen(const std::string& html_path, const std::string& work) {
  auto browser = chromium_binary();
  if (browser.empty()) GTEST_SKIP() << "chromium not installed (Debian package chromium)";
  auto page = render(browser, html_path, work);
  EXPECT_NE(page.dom.find("data-chart=\"rendered\""), std::string::npos) << "the chart script did not run to the end";
  auto chart_bottom = body_attribute(page.dom, "data-chart-bottom");
  auto table_top = body_attribute(page.dom, "data-table-top");
  EXPECT_GT(chart_bottom, 0);
  EXPECT_LE(chart_bottom, 900) << "the chart is below the first screen";
  EXPECT_GT(table_top, chart_bottom - 1) << "the table should follow the chart";
  EXPECT_LT(table_top, 900) << "the table starts below the first screen";
  // Chromium logs every console message (errors included) as ":CONSOLE"; the pages log none.
  EXPECT_EQ(page.log.find("Uncaught"), std::string::npos) << page.log;
  EXPECT_EQ(page.log.find(":CONSOLE"), std::string::npos) << page.log;

  ASSERT_EQ(page.width, 1200) << "no screenshot";
  ASSERT_EQ(page.height, 900);
  const int64_t rows = std::min<int64_t>(900, chart_bottom > 0 ? chart_bottom : 900);
  int64_t non_white = 0, total = rows * page.width;
  for (int64_t i = 0; i < total; ++i) {
    const auto* p = page.rgb.data() + 3 * i;
    non_white += (p[0] < 235 || p[1] < 235 || p[2] < 235);
  }
  EXPECT_GT(non_white, total / 100) << "the screenshot is blank above the chart's bottom";
}

TEST(EvalCommand, WritesAReportThatRendersInHeadlessChromium) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  testing::ScratchDir dir;
  auto out = (dir.path() / "eval").string();
  auto run = testing::run_cli("eval --model " + trained.path + " --limit 40 --suite quick --eps 0.05,0.1 --seed 2 --out " + out);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("worst-case robust accuracy"), std::string::npos);
  // The time it may take is said before the attacks start, and each attack's line carries
  // the whole evaluation's ETA.
  auto estimate = run.err.find("estimate: at most ~");
  EXPECT_NE(estimate, std::string::npos) << run.err;
  EXPECT_LT(estimate, run.err.find("[1/2] fgsm"));
  EXPECT_NE(run.err.find("[2/2] pgd on"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("| evaluation ETA ~"), std::string::npos) << run.err;
  auto report = io::read_json(out + "/report.json");
  ASSERT_EQ(report["results"].size(), 2u);
  EXPECT_LE(report["results"][1]["robust_accuracy"].get<double>(), report["results"][0]["robust_accuracy"].get<double>());
  expect_answer_on_first_screen(out + "/report.html", dir.path().string());
}

TEST(AttackCommand, WritesAReportThatLeadsWithItsAnswer) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  testing::ScratchDir dir;
  auto out = (dir.path() / "pgd").string();
  auto run = testing::run_cli("attack --model " + trained.path + " --limit 40 --attack pgd --eps 0.1 --steps 10 --out " + out);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_answer_on_first_screen(out + "/report.html", dir.path().string());
}

TEST(QuickstartCommand, PageLeadsWithTheChartAndTheTable) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  testing::ScratchDir dir;
  auto out = (dir.path() / "quickstart").string();
  auto run = testing::run_cli("quickstart --model " + trained.path + " --limit 30 --eps 0.05,0.1 --steps 5 --out " + out);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto html = read_bytes(out + "/index.html");
  // One title, and the answer (chart, table) before the image grids.
  EXPECT_EQ(html.find("<h1>", html.find("<h1>") + 1), std::string::npos) << "the title is repeated";
  EXPECT_LT(html.find("<canvas"), html.find("<table>"));
  EXPECT_LT(html.find("<table>"), html.find("<img"));
  expect_answer_on_first_screen(out + "/index.html", dir.path().string());
}

TEST(EvalCommand, BadInputGivesOneLineErrors) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  testing::ScratchDir dir;
  auto out = (dir.path() / "e").string();
  for (std::string args : {"--suite nonsense", "--eps -0.1", "--norm l7", "--suite pgd --set pgd.stepz=3",
                           "--suite pgd --set fgsm.steps=3"}) {
    auto run = testing::run_cli("eval --model " + trained.path + " --limit 4 " + args + " --out " + out);
    EXPECT_NE(run.exit_code, 0) << args;
    EXPECT_NE(run.err.find("advlab: error:"), std::string::npos) << args << ": " << run.err;
  }
}

}  // namespace
}  // namespace advlab
