// Writes the seed corpus (tests/fuzz/corpus/<target>/): a few valid inputs and edge cases
// per target, in the layouts the targets read (fuzz_support.h's split_two). Run once by
// tests/fuzz/make_seeds.sh; the output is kept in the repository.
#include "advlab/eval/evaluation_state.h"
#include "advlab/io/tensor_file.h"
#include "fuzz_models.h"
#include "models/checkpoint.h"

#include <stb/stb_image_write.h>
#include <torch/optim/adam.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

fs::path root;

void seed(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary) << bytes;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string two(const std::string& first, const std::string& second) {
  std::string out(2, '\0');
  out[0] = static_cast<char>(first.size() & 0xff);
  out[1] = static_cast<char>(first.size() >> 8);
  return out + first + second;
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string idx_images(uint32_t n, uint32_t h, uint32_t w) {
  std::string out = be32(0x803) + be32(n) + be32(h) + be32(w);
  for (uint32_t i = 0; i < n * h * w; ++i) out += static_cast<char>(i * 37);
  return out;
}

std::string idx_labels(uint32_t n) {
  std::string out = be32(0x801) + be32(n);
  for (uint32_t i = 0; i < n; ++i) out += static_cast<char>(i % 10);
  return out;
}

std::string gzip(const std::string& bytes) {
  auto tmp = fs::temp_directory_path() / "advlab-seed.gz";
  gzFile f = gzopen(tmp.c_str(), "wb9");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  auto out = read(tmp);
  fs::remove(tmp);
  return out;
}

void append(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<char*>(data), size);
}

std::string png(int w, int h, int channels) {
  std::vector<unsigned char> pixels(w * h * channels);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(i * 53);
  std::string out;
  stbi_write_png_to_func(append, &out, w, h, channels, pixels.data(), w * channels);
  return out;
}

std::string jpg(int w, int h, int channels) {
  std::vector<unsigned char> pixels(w * h * channels);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(i * 29);
  std::string out;
  stbi_write_jpg_to_func(append, &out, w, h, channels, pixels.data(), 75);
  return out;
}

std::string size_prefix(int h, int w) { return {static_cast<char>(h - 1), static_cast<char>(w - 1)}; }

void idx_seeds() {
  seed("fuzz_idx", "valid_3x4x5", two(idx_images(3, 4, 5), idx_labels(3)));
  seed("fuzz_idx", "valid_gzip", two(gzip(idx_images(2, 3, 3)), gzip(idx_labels(2))));
  seed("fuzz_idx", "truncated", two(idx_images(3, 4, 5).substr(0, 40), idx_labels(3)));
  seed("fuzz_idx", "label_count_differs", two(idx_images(2, 2, 2), idx_labels(3)));
  seed("fuzz_idx", "truncated_gzip", two(gzip(idx_images(2, 3, 3)).substr(0, 20), idx_labels(2)));
  seed("fuzz_idx_gzip", "valid_3x4x5", two(idx_images(3, 4, 5), idx_labels(3)));
  seed("fuzz_idx_gzip", "header_only", two(idx_images(1, 1, 1).substr(0, 16), idx_labels(1)));
}

void cifar_seeds() {
  std::string record(3073, '\0');
  for (size_t i = 1; i < record.size(); ++i) record[i] = static_cast<char>(i * 7);
  std::string names = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
  record[0] = 3;
  seed("fuzz_cifar10", "one_record", two("", record));
  seed("fuzz_cifar10", "with_names", two(names, record));
  seed("fuzz_cifar10", "bad_label", two("", std::string(1, '\x0a') + record.substr(1)));
  seed("fuzz_cifar10", "short_names", two("a\nb\n\n", record));
}

void image_seeds() {
  seed("fuzz_image_folder", "png_gray_png_gray", two(png(4, 4, 1), png(4, 4, 1)));
  seed("fuzz_image_folder", "png_rgb_jpg_rgb", two(png(6, 5, 3), jpg(6, 5, 3)));
  seed("fuzz_image_folder", "png_rgba_jpg_gray", two(png(3, 3, 4), jpg(3, 3, 1)));
  seed("fuzz_image_folder", "sizes_differ", two(png(4, 4, 3), jpg(5, 4, 3)));
  seed("fuzz_mask_png", "same_size", size_prefix(8, 8) + png(8, 8, 1));
  seed("fuzz_mask_png", "resized_rgb", size_prefix(16, 5) + png(4, 7, 3));
  seed("fuzz_mask_png", "jpeg_named_png", size_prefix(3, 3) + jpg(6, 6, 1));
}

void mask_spec_seeds() {
  const std::vector<std::pair<std::string, std::string>> specs = {
      {"full", "full"},          {"rect", "rect:0.1,0.2,0.5,0.5"},
      {"circle", "circle:0.5,0.5,0.25"}, {"stickers", "stickers"},
      {"border", "border:0.1"},  {"tiny_rect", "rect:0.99,0.99,0.001,0.001"},
      {"bad_number", "rect:0.1,x,0.5,0.5"}, {"png", "missing.png"}};
  for (const auto& [name, spec] : specs) seed("fuzz_mask_spec", name, size_prefix(32, 24) + spec);
}

void set_seeds() {
  // The first byte indexes the registry (fgsm = 0, pgd = 1, ...).
  seed("fuzz_set_values", "fgsm_eps", std::string(1, '\0') + "eps=0.1\nnorm=l2\n");
  seed("fuzz_set_values", "pgd_steps", std::string(1, '\1') + "steps=10\nstep_size=0.01\nrestarts=2\n");
  seed("fuzz_set_values", "apgd_bool", std::string(1, '\5') + "n_iter=5\nsteps=5\n");
  seed("fuzz_set_values", "bad_number", std::string(1, '\2') + "steps=1e400\n");
  for (int i = 3; i < 40; i += 4)
    seed("fuzz_set_values", "defaults_" + std::to_string(i), std::string(1, static_cast<char>(i)));
}

void tensor_seeds(const fs::path& scratch) {
  auto path = (scratch / "t.pt").string();
  advlab::io::save_tensors(path, {{"x", torch::arange(6, torch::kFloat32).reshape({2, 3})},
                                  {"labels", torch::tensor({1, 2}, torch::kInt64)}});
  seed("fuzz_tensor_file", "two_tensors", read(path));
  advlab::io::save_tensors(path, {{"empty", torch::zeros({0})}});
  seed("fuzz_tensor_file", "empty_tensor", read(path));

  advlab::eval::EvaluationState state;
  state.identity = advlab::fuzz::evaluation_identity();
  state.finished_eps = 1;
  advlab::eval::EpsEvaluation eps;
  eps.eps = 0.1;
  eps.correct = torch::tensor({true, true, false});
  eps.robust = torch::tensor({true, false, false});
  eps.broken_by = torch::tensor({-1, 0, -1}, torch::kInt64);
  eps.adversarials = torch::zeros({3, 1, 2, 2});
  advlab::eval::AttackStage stage;
  stage.attack = "fgsm";
  stage.family = "white-box";
  stage.params = {{"eps", 0.1}};
  stage.attacked = torch::tensor({true, true, false});
  stage.broken = torch::tensor({false, true, false});
  stage.silent_failures = torch::zeros({3}, torch::kBool);
  eps.stages.push_back(stage);
  state.per_eps.push_back(eps);
  state.smallest_distance = torch::tensor({0.5, 0.1, 0.0});
  advlab::eval::save_evaluation_state(path, state);
  seed("fuzz_evaluation_state", "one_eps", read(path));
  advlab::eval::PartialStage partial;
  partial.batches = 1;
  partial.result.success = torch::tensor({false, true, false});
  partial.result.adversarials = torch::zeros({3, 1, 2, 2});
  state.partial = partial;
  advlab::eval::save_evaluation_state(path, state);
  seed("fuzz_evaluation_state", "partial", read(path));
}

void checkpoint_seeds(const fs::path& scratch) {
  auto module = advlab::fuzz::tiny_module();
  std::vector<torch::Tensor> params;
  for (const auto& p : module.parameters()) params.push_back(p);
  torch::optim::Adam optimizer(params);
  auto path = (scratch / "c.pt").string();
  advlab::models::TrainState state;
  state.epochs_completed = 2;
  state.batch_size = 8;
  advlab::models::save_checkpoint(path, module, optimizer, state);
  seed("fuzz_checkpoint", "fresh_adam", read(path));
  // One step so Adam's moments exist in the archive.
  optimizer.zero_grad();
  module.run_method("forward", torch::ones({1, 3})).toTensor().sum().backward();
  optimizer.step();
  advlab::models::save_checkpoint(path, module, optimizer, state);
  seed("fuzz_checkpoint", "after_one_step", read(path));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds CORPUS_DIR\n";
    return 2;
  }
  root = argv[1];
  auto scratch = fs::temp_directory_path() / "advlab-make-seeds";
  fs::create_directories(scratch);
  idx_seeds();
  cifar_seeds();
  image_seeds();
  mask_spec_seeds();
  set_seeds();
  tensor_seeds(scratch);
  checkpoint_seeds(scratch);
  fs::remove_all(scratch);
  return 0;
}
