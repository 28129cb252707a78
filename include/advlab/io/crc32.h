#pragma once
// CRC-32 (zlib's, the one zip archives use) of byte ranges, and its usual hex spelling.
#include <cstddef>
#include <cstdint>
#include <string>

namespace advlab::io {

// Continues `crc` over `size` bytes (start with 0); any size, also beyond 4 GiB.
uint32_t crc32_of_bytes(const void* data, size_t size, uint32_t crc = 0);
// Eight lower-case hex digits, e.g. "0a1b2c3d".
std::string hex32(uint32_t value);

}  // namespace advlab::io
