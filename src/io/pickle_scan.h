#pragma once
// A walk over a pickle's opcodes that finds what LibTorch's unpickler would turn into a
// huge allocation before reading a byte: a string or bytes length beyond the end of the
// pickle, or a memo index (LONG_BINPUT/LONG_BINGET) far beyond what a pickle of this size
// can hold (LibTorch reserves memo slots up to the index: 27 GB for one damaged byte).
#include <cstddef>
#include <string>

namespace advlab::io {

// Empty when every opcode up to STOP (or up to an opcode Python's pickle does not know,
// which the unpickler refuses itself) has its arguments inside the bytes; else what is wrong.
std::string pickle_damage(const char* bytes, size_t size);

}  // namespace advlab::io
