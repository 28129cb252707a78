// advlab doctor: checks the set-up a run depends on and says what to fix.
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/io/line_chart.h"
#include "commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace advlab::cli {

namespace {

struct Check {
  std::string what;
  bool ok;
  std::string detail;  // what was found, or what to do
};

bool file_exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// The BLAS shared library this process mapped: Debian's reference BLAS is ~10x slower than
// OpenBLAS for the matrix products behind convolutions on the CPU.
Check blas_check() {
  std::ifstream maps("/proc/self/maps");
  std::string line, blas;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    auto path = line.substr(slash);
    // cuBLAS (a CUDA build of LibTorch maps it) is the GPU's, not the CPU's BLAS.
    if (path.find("cublas") != std::string::npos) continue;
    if (path.find("blas") != std::string::npos && path.find(".so") != std::string::npos) {
      blas = path;
      if (path.find("openblas") != std::string::npos) break;
    }
  }
  if (blas.empty()) return {"BLAS", true, "no shared BLAS mapped (LibTorch uses its own kernels)"};
  if (blas.find("openblas") != std::string::npos) return {"BLAS", true, "OpenBLAS: " + blas};
  return {"BLAS", false,
          "reference BLAS in use (" + blas + "): apt-get install libopenblas0-pthread"};
}

Check data_check() {
  std::string dir = data::fashion_mnist_dir();
  bool ok = file_exists(dir + "/train-images-idx3-ubyte.gz") || file_exists(dir + "/train-images-idx3-ubyte");
  return {"Fashion-MNIST", ok,
          ok ? dir : "not found in " + dir + ": apt-get install dataset-fashion-mnist (or set ADVLAB_FASHION_MNIST_DIR)"};
}

std::string on_path(const std::vector<std::string>& names) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    for (const auto& name : names) {
      auto candidate = dir + "/" + name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  return "";
}

Check chromium_check() {
  auto found = on_path({"chromium", "chromium-browser", "google-chrome"});
  return {"Chromium (report tests)", !found.empty(),
          found.empty() ? "not found: apt-get install chromium (only the report rendering test needs it)" : found};
}

Check chart_check() {
  bool ok = !io::chart_library_source().empty();
  return {"Chart.js (report charts)", ok,
          ok ? "/usr/share/javascript/chart.js" : "not found: apt-get install libjs-chart.js (reports draw no chart)"};
}

}  // namespace

void register_doctor_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("doctor", "check the set-up (BLAS, data, report tools) and say what to fix");
  cmd->callback([] {
    std::cout << version_text();
    int failed = 0;
    for (const auto& c : {blas_check(), data_check(), chart_check(), chromium_check()}) {
      std::cout << (c.ok ? "ok    " : "FIX   ") << c.what << ": " << c.detail << "\n";
      failed += c.ok ? 0 : 1;
    }
    if (failed > 0) throw Error(std::to_string(failed) + " check(s) need fixing (see above)");
  });
}

}  // namespace advlab::cli
