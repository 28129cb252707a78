// `advlab eval` under a torchrun-style launch (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
// in the environment, as torchrun and srun set them): 2 and 3 processes on loopback give
// the single-process report and adversarials, bit for bit, for batch sizes 7 and 64
// (PGD, APGD-T, FAB-T, Square);
// a killed rank stops the others within a bounded time, with one line naming it.
#include "advlab/dist/group.h"
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
#include <thread>

namespace advlab {
namespace {

namespace fs = std::filesystem;
using testing::read_bytes;


// Runs `world` ranks (0: one plain process) to the end; returns rank 0's stderr.
std::string run_job(const std::vector<std::string>& args, int world, const testing::ScratchDir& scratch) {
  auto codes = testing::run_job(args, world, scratch.file("log"));
  for (size_t r = 0; r < codes.size(); ++r)
    EXPECT_EQ(codes[r], 0) << "rank " << r << ": " << read_bytes(scratch.file("log" + std::to_string(r)));
  return read_bytes(scratch.file("log0"));
}

// Timings and the job's shape differ between runs; nothing else may.
void drop_run_facts(nlohmann::json& j) {
  if (j.is_object()) {
    for (const char* key : {"seconds", "images_per_second", "distributed"}) j.erase(key);
    for (auto& [key, value] : j.items()) drop_run_facts(value);
  } else if (j.is_array()) {
    for (auto& value : j) drop_run_facts(value);
  }
}

std::vector<std::string> eval_args(const std::string& model, const std::string& out, int batch) {
  // PGD, APGD-T and Square draw random numbers (random starts, Square's squares); FAB-T
  // steps by gradient values, which match bit for bit only through fixed-row passes.
  return {"eval", "--model", model, "--data", "fashion-mnist:test", "--limit", "30", "--batch-size",
          std::to_string(batch), "--suite", "pgd,apgd-t,fab-t,square", "--set", "pgd.steps=5",
          "--set", "apgd-t.n_iter=5", "--set", "apgd-t.target_classes=2", "--set", "fab-t.steps=5",
          "--set", "fab-t.target_classes=2", "--queries", "60",
          "--eps", "0.05,0.1", "--no-checks", "--seed", "3", "--out", out};
}

TEST(DistributedEval, AnyWorldSizeAndBatchSizeGivesTheSingleProcessReport) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto model = testing::fashion_cnn().path;
  testing::ScratchDir scratch;
  const auto reference = scratch.file("single-64");
  run_job(eval_args(model, reference, 64), 0, scratch);
  auto expected = nlohmann::json::parse(read_bytes(reference + "/report.json"));
  EXPECT_EQ(expected["distributed"]["world_size"], 1);
  drop_run_facts(expected);

  struct Job {
    int world, batch;
  };
  for (auto job : {Job{0, 7}, Job{1, 7}, Job{2, 7}, Job{3, 7}, Job{2, 64}}) {
    SCOPED_TRACE("world " + std::to_string(job.world) + ", batch " + std::to_string(job.batch));
    const auto out = scratch.file("w" + std::to_string(job.world) + "-b" + std::to_string(job.batch));
    auto log = run_job(eval_args(model, out, job.batch), job.world, scratch);
    auto report = nlohmann::json::parse(read_bytes(out + "/report.json"));
    if (job.world > 0) {
      EXPECT_EQ(report["distributed"]["world_size"], job.world);
      EXPECT_EQ(report["distributed"]["backend"], dist::gloo_built_in() ? "gloo" : "tcpstore");
      EXPECT_NE(log.find("(all ranks)"), std::string::npos) << "rank 0 shows the whole job's progress:\n" << log;
    }
    drop_run_facts(report);
    EXPECT_EQ(report, expected);
    for (const char* eps : {"0.05", "0.1"}) {
      auto name = std::string("/adversarials-eps") + eps + ".pt";
      EXPECT_EQ(read_bytes(out + name), read_bytes(reference + name)) << name << " differs";
    }
  }
}

std::string log_with_env(const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env, int& status);

// `advlab --ranks 2 eval ...` from one plain process: it starts the two ranks itself (what
// torchrun would, which Debian 12 cannot run), and the job is the single-process one.
TEST(DistributedEval, RanksOptionStartsTheRanksAndGivesTheSingleProcessReport) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto model = testing::fashion_cnn().path;
  testing::ScratchDir scratch;
  const auto reference = scratch.file("single");
  run_job(eval_args(model, reference, 7), 0, scratch);
  auto expected = nlohmann::json::parse(read_bytes(reference + "/report.json"));
  drop_run_facts(expected);

  const auto out = scratch.file("ranks");
  auto args = eval_args(model, out, 7);
  args.insert(args.begin(), {"--ranks", "2"});
  auto log = run_job(args, 0, scratch);
  EXPECT_NE(log.find("(all ranks)"), std::string::npos) << log;
  auto report = nlohmann::json::parse(read_bytes(out + "/report.json"));
  EXPECT_EQ(report["distributed"]["world_size"], 2);
  drop_run_facts(report);
  EXPECT_EQ(report, expected);
  EXPECT_EQ(read_bytes(out + "/adversarials-eps0.1.pt"), read_bytes(reference + "/adversarials-eps0.1.pt"));
}

TEST(DistributedEval, RanksOptionMisuseIsAOneLineError) {
  struct Case {
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;
    std::string says;
  };
  testing::ScratchDir scratch;
  const auto out = scratch.file("out");
  const std::vector<Case> cases{
      {{"--ranks", "0", "eval", "--model", "none.pt", "--out", out}, {}, "--ranks must be >= 1, got 0"},
      {{"--ranks", "2", "attack", "--model", "none.pt", "--attack", "pgd", "--eps", "0.1", "--out", out}, {},
       "--ranks runs eval and train across processes; attack runs in one process"},
      {{"--ranks", "2", "eval", "--model", "none.pt", "--out", out}, {{"RANK", "0"}, {"WORLD_SIZE", "2"}},
       "RANK or WORLD_SIZE is already set"},
  };
  for (const auto& c : cases) {
    int status = 0;
    auto log = log_with_env(c.args, c.env, status);
    EXPECT_EQ(status, 2) << log;
    EXPECT_NE(log.find(c.says), std::string::npos) << log;
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  }
}

TEST(DistributedEval, AKilledRankStopsTheOthersWithOneLineNamingIt) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto model = testing::fashion_cnn().path;
  testing::ScratchDir scratch;
  // Long enough that rank 2 dies mid-way (Square's 20000 queries on 200 images).
  std::vector<std::string> args{"eval", "--model", model, "--data", "fashion-mnist:test", "--limit", "200",
                                "--batch-size", "10", "--suite", "square", "--queries", "20000", "--eps",
                                "0.1", "--no-checks", "--out", scratch.file("out")};
  const int port = testing::free_port();
  std::vector<pid_t> pids;
  for (int r = 0; r < 3; ++r) pids.push_back(testing::spawn_rank(args, r, 3, port, scratch.file("log" + std::to_string(r)), "5"));
  // Kill rank 2 once the job is under way (rank 0 has printed the attack's first line).
  for (int i = 0; i < 600 && read_bytes(scratch.file("log0")).find("square") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  kill(pids[2], SIGKILL);
  testing::wait_exit(pids[2]);
  auto killed = std::chrono::steady_clock::now();
  for (int r = 0; r < 2; ++r) {
    int code = testing::wait_exit(pids[r]);
    auto log = read_bytes(scratch.file("log" + std::to_string(r)));
    EXPECT_NE(code, 0) << "rank " << r << " went on without rank 2:\n" << log;
    auto last = log.substr(log.rfind("advlab: error:") == std::string::npos ? 0 : log.rfind("advlab: error:"));
    // Both name rank 2: rank 0, which hosts the store, tells the others why before it
    // goes, so rank 1 does not mistake rank 0's exit for the cause.
    EXPECT_NE(last.find("lost rank 2"), std::string::npos) << "rank " << r << ":\n" << log;
    EXPECT_EQ(last.find('\n'), last.size() - 1) << "more than one line:\n" << last;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_LT(seconds, 30) << "the others took " << seconds << " s to stop";
  EXPECT_FALSE(fs::exists(scratch.file("out") + "/report.json"));
}

// Runs advlab with `args` and the given launch variables; returns stderr.
std::string log_with_env(const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env, int& status) {
  testing::ScratchDir scratch;
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(scratch.file("log").c_str(), "w", stderr);
    (void)f;
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> argv{const_cast<char*>(ADVLAB_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(ADVLAB_BINARY, argv.data());
    _exit(127);
  }
  status = testing::wait_exit(pid);
  return read_bytes(scratch.file("log"));
}

// Runs `advlab eval` on a missing model with the given launch variables; returns stderr.
std::string eval_log_with_env(const std::vector<std::pair<std::string, std::string>>& env, int& status) {
  testing::ScratchDir scratch;
  return log_with_env({"eval", "--model", "none.pt", "--out", scratch.file("out")}, env, status);
}

TEST(DistributedEval, BadLaunchVariablesAreOneLineErrors) {
  int status = 0;
  auto log = eval_log_with_env({{"RANK", "3"}, {"WORLD_SIZE", "2"}}, status);
  EXPECT_NE(status, 0);
  EXPECT_NE(log.find("RANK must be in [0, WORLD_SIZE)"), std::string::npos) << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
}

// Under a torchrun whose agent hosts the store, an unreachable store (the likeliest cause:
// a torchrun of another torch version, whose store protocol differs) says what to do.
TEST(DistributedEval, UnreachableAgentStoreNamesTheTorchrunVersionAsTheLikelyCause) {
  int status = 0;
  auto log = eval_log_with_env({{"RANK", "1"}, {"LOCAL_RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"},
                                {"MASTER_PORT", std::to_string(testing::free_port())},
                                {"TORCHELASTIC_USE_AGENT_STORE", "True"}, {"ADVLAB_DIST_TIMEOUT", "2"}},
                               status);
  EXPECT_NE(status, 0);
  EXPECT_NE(log.find("cannot reach the store"), std::string::npos) << log;
  EXPECT_NE(log.find("launch with the torchrun of the torch this advlab was built with"), std::string::npos) << log;
  // One error line of advlab's, the last; LibTorch's c10d may log its socket timeout before it.
  auto last = log.rfind('\n', log.size() - 2);
  EXPECT_EQ(log.compare(last == std::string::npos ? 0 : last + 1, 14, "advlab: error:"), 0) << log;
  EXPECT_EQ(log.find("advlab: error:"), log.rfind("advlab: error:")) << log;
}

}  // namespace
}  // namespace advlab
