// `advlab eval` end to end, and its report.html opened in headless Chromium: the page
// renders (screenshot not blank), the chart is drawn, and the console shows no errors.
#include "advlab/io/json_file.h"
#include "support/cli_runner.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <stb/stb_image.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

namespace advlab {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string chromium_binary() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::string probe = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return name;
  }
  return "";
}

TEST(EvalCommand, WritesAReportThatRendersInHeadlessChromium) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  testing::ScratchDir dir;
  auto out = (dir.path() / "eval").string();
  auto run = testing::run_cli("eval --model " + trained.path + " --limit 40 --suite quick --eps 0.05,0.1 --seed 2 --out " + out);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("worst-case robust accuracy"), std::string::npos);
  auto report = io::read_json(out + "/report.json");
  ASSERT_EQ(report["results"].size(), 2u);
  EXPECT_LE(report["results"][1]["robust_accuracy"].get<double>(), report["results"][0]["robust_accuracy"].get<double>());

  auto browser = chromium_binary();
  if (browser.empty()) GTEST_SKIP() << "chromium not installed (Debian package chromium)";
  auto page = "file://" + out + "/report.html";
  auto flags = " --headless --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 ";
  auto shot = out + "/screenshot.png";
  std::string cmd = browser + flags + "--window-size=1000,1600 --screenshot=" + shot + " " + page + " > " + out +
                    "/chromium.out 2> " + out + "/chromium.err";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text(out + "/chromium.err");
  std::string dom_cmd = browser + flags + "--dump-dom " + page + " > " + out + "/dom.html 2> " + out + "/dom.err";
  ASSERT_EQ(std::system(dom_cmd.c_str()), 0) << read_text(out + "/dom.err");

  EXPECT_NE(read_text(out + "/dom.html").find("data-chart=\"rendered\""), std::string::npos)
      << "the chart script did not run to the end";
  for (const auto* log : {"/chromium.err", "/dom.err"}) {
    auto text = read_text(out + log);
    // Chromium logs every console message (errors included) as ":CONSOLE"; the page logs none.
    EXPECT_EQ(text.find("Uncaught"), std::string::npos) << text;
    EXPECT_EQ(text.find(":CONSOLE"), std::string::npos) << text;
  }

  int w = 0, h = 0, c = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(stbi_load(shot.c_str(), &w, &h, &c, 3), stbi_image_free);
  ASSERT_NE(pixels, nullptr) << "no screenshot";
  int64_t non_white = 0, total = int64_t(w) * h;
  for (int64_t i = 0; i < total; ++i) {
    auto* p = pixels.get() + 3 * i;
    non_white += (p[0] < 235 || p[1] < 235 || p[2] < 235);
  }
  EXPECT_GT(non_white, total / 100) << "the screenshot is blank";
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
