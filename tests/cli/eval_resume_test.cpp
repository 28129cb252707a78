// `advlab eval --resume`: an evaluation killed (SIGKILL) at random moments and resumed
// each time ends with the same report and adversarials as one that ran straight
// through; a state from another evaluation is refused.
#include "support/cli_runner.h"
#include "support/launch_ranks.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace advlab {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) { return testing::read_bytes(path); }

// Timings differ between any two runs; everything else must not.
void drop_timings(nlohmann::json& j) {
  if (j.is_object()) {
    for (const char* key : {"seconds", "images_per_second"}) j.erase(key);
    for (auto& [key, value] : j.items()) drop_timings(value);
  } else if (j.is_array()) {
    for (auto& value : j) drop_timings(value);
  }
}

std::vector<std::string> eval_args(const std::string& model, const std::string& out) {
  return {"eval", "--model", model, "--data", "fashion-mnist:test", "--limit", "64", "--batch-size", "8",
          "--suite", "fgsm,pgd,apgd-ce", "--set", "pgd.steps=20", "--set", "apgd-ce.n_iter=20",
          "--eps", "0.03,0.1", "--no-checks", "--checkpoint-every", "0", "--out", out};
}

// Starts advlab with args (no shell, so the signal reaches advlab itself).
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "a", stderr);
    (void)f;
    FILE* g = std::freopen("/dev/null", "w", stdout);
    (void)g;
    std::vector<char*> argv{const_cast<char*>(ADVLAB_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    setenv("ADVLAB_THREADS", "1", 1);
    execv(ADVLAB_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

using testing::wait_exit;

std::string join(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += " '" + a + "'";
  return s;
}

TEST(EvalResume, KilledAtRandomMomentsAndResumedGivesTheUninterruptedReport) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto model = testing::fashion_cnn().path;
  testing::ScratchDir scratch;
  const auto straight = (scratch.path() / "straight").string();
  const auto resumed = (scratch.path() / "resumed").string();
  const auto log = (scratch.path() / "log").string();

  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_exit(spawn(eval_args(model, straight), log)), 0) << slurp(log);
  double full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_FALSE(fs::exists(straight + ".state.pt")) << "state left behind after a finished evaluation";

  std::mt19937 rng(20261202);
  auto resume_args = eval_args(model, resumed);
  resume_args.push_back("--resume");
  // Kill at random moments until a run gets to the end by itself; each run resumes the
  // state the one before left. A kill comes at a random delay after the run's first own
  // checkpoint, so it lands in the attacks, not in start-up, whatever the machine's load.
  const auto state = fs::path(resumed + ".state.pt");
  int kills = 0;
  bool finished = false;
  std::uniform_real_distribution<double> delay(0.0, 0.1 * full);
  for (int attempt = 0; attempt < 6 && !finished; ++attempt) {
    std::error_code ec;
    auto before = fs::exists(state) ? fs::last_write_time(state, ec) : fs::file_time_type::min();
    pid_t pid = spawn(resume_args, log);
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 12000 && !exited; ++i) {  // up to 2 minutes
      if (waitpid(pid, &status, WNOHANG) == pid) exited = true;
      else if (fs::exists(state) && fs::last_write_time(state, ec) > before) break;
      else std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!exited) {
      std::this_thread::sleep_for(std::chrono::duration<double>(delay(rng)));
      exited = waitpid(pid, &status, WNOHANG) == pid;
    }
    if (exited) {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(log);
      finished = true;
    } else {
      kill(pid, SIGKILL);
      wait_exit(pid);
      ++kills;
    }
  }
  if (!finished) {
    ASSERT_EQ(wait_exit(spawn(resume_args, log)), 0) << slurp(log);
  }
  EXPECT_GE(kills, 2);
  EXPECT_NE(slurp(log).find("resuming"), std::string::npos) << "never resumed a state";
  // Checkpoints come after every batch here, so some kill lands inside an attack.
  EXPECT_NE(slurp(log).find("part-way"), std::string::npos) << "never resumed inside an attack";
  EXPECT_FALSE(fs::exists(resumed + ".state.pt"));

  auto a = nlohmann::json::parse(slurp(straight + "/report.json"));
  auto b = nlohmann::json::parse(slurp(resumed + "/report.json"));
  drop_timings(a);
  drop_timings(b);
  // The output folder's name is part of nothing in the report; the rest must agree.
  EXPECT_EQ(a, b);
  for (const char* eps : {"0.03", "0.1"}) {
    auto name = std::string("/adversarials-eps") + eps + ".pt";
    ASSERT_TRUE(fs::exists(straight + name)) << name;
    EXPECT_EQ(slurp(straight + name), slurp(resumed + name)) << name << " differs after resuming";
  }
}

TEST(EvalResume, AStateFromAnotherEvaluationIsRefused) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto model = testing::fashion_cnn().path;
  testing::ScratchDir scratch;
  const auto out = (scratch.path() / "e").string();
  const auto log = (scratch.path() / "log").string();
  // Kill once the first checkpoint exists.
  pid_t pid = spawn(eval_args(model, out), log);
  for (int i = 0; i < 600 && !fs::exists(out + ".state.pt"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill(pid, SIGKILL);
  wait_exit(pid);
  ASSERT_TRUE(fs::exists(out + ".state.pt")) << slurp(log);

  auto other = testing::run_cli(join(eval_args(model, out)) + " --resume --seed 7");
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.err.find("belongs to another evaluation ('seed' differs)"), std::string::npos) << other.err;
  EXPECT_EQ(other.err.find("terminate"), std::string::npos) << other.err;

  // Without --resume the state is not used, and the run says so.
  auto fresh = testing::run_cli(join(eval_args(model, out)) + " --eps 0.05");
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_NE(fresh.err.find("starting afresh"), std::string::npos) << fresh.err;
}

}  // namespace
}  // namespace advlab
