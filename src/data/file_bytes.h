#pragma once
// Whole-file reads for the loaders. The bytes read are bounded by what is really in the
// file, never by a size a header claims, so a corrupt header cannot trigger a huge
// allocation: loaders compare the claim with the real length before building tensors.
#include <cstdint>
#include <string>

namespace advlab::data {

// Returns the file's contents, transparently decompressing gzip (detected by its magic
// bytes, not by the file name). Throws advlab::Error naming the file if it is missing,
// unreadable, a corrupt gzip stream or larger than max_bytes.
std::string read_file_maybe_gzip(const std::string& path, uint64_t max_bytes = uint64_t{1} << 34);

}  // namespace advlab::data
