#pragma once
// Shared by the fuzz targets: the readers under test take paths, so each input is written
// to files in one scratch directory per process (removed at exit), and advlab::Error (the
// documented answer to bad input) is the only exception a target swallows: anything else
// escaping, c10::Error included, aborts and counts as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include <unistd.h>

namespace advlab::fuzz {

inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("advlab-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return dir;
}

inline std::string write_scratch(const std::string& name, std::string_view bytes) {
  auto path = scratch_dir() / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

// Splits an input into two parts: a 2-byte little-endian length, that many bytes (or what
// is left), then the rest. Seeds are written in the same layout by make_seeds.py.
inline std::pair<std::string_view, std::string_view> split_two(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  if (size < 2) return {all, {}};
  size_t first = std::min<size_t>(data[0] | (size_t{data[1]} << 8), size - 2);
  return {all.substr(2, first), all.substr(2 + first)};
}

}  // namespace advlab::fuzz
