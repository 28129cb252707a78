#include "pickle_scan.h"

#include <cstdint>
#include <cstring>
#include <sstream>
#include <vector>

namespace advlab::io {
namespace {

// How an opcode's argument is laid out (Python's pickletools, protocols 0-5).
enum class Arg { kNone, kFixed, kLength, kLines, kMemo };

struct Opcode {
  Arg arg;
  int width;  // kFixed: bytes; kLength / kMemo: bytes of the length or index; kLines: lines
};

Opcode describe(unsigned char op, bool* known) {
  *known = true;
  switch (op) {
    case '(': case '.': case '0': case '1': case '2': case 'N': case 'Q': case 'R': case 'a':
    case 'b': case 'd': case '}': case 'e': case 'l': case ']': case 'o': case 's': case 't':
    case ')': case 'u': case 0x81: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89:
    case 0x8f: case 0x90: case 0x91: case 0x92: case 0x93: case 0x94: case 0x97: case 0x98:
      return {Arg::kNone, 0};
    case 'K': case 'h': case 'q': case 0x80: case 0x82: return {Arg::kFixed, 1};
    case 'M': case 0x83: return {Arg::kFixed, 2};
    case 'J': case 0x84: return {Arg::kFixed, 4};
    case 'G': return {Arg::kFixed, 8};
    case 'U': case 'C': case 0x8a: case 0x8c: return {Arg::kLength, 1};
    case 'T': case 'X': case 'B': case 0x8b: return {Arg::kLength, 4};
    case 0x8d: case 0x8e: case 0x96: case 0x95: return {Arg::kLength, 8};  // FRAME: its length
    case 'F': case 'I': case 'L': case 'P': case 'S': case 'V': case 'g': case 'p': return {Arg::kLines, 1};
    case 'c': case 'i': return {Arg::kLines, 2};
    case 'j': case 'r': return {Arg::kMemo, 4};
    default: *known = false; return {Arg::kNone, 0};
  }
}

// What an opcode does to the unpickler's stack: pops `pops` items, or every item above the
// topmost mark when `to_mark`; needs `below` more under them (under the mark); pushes `pushes`.
struct StackEffect {
  int pops = 0, pushes = 0, below = 0;
  bool to_mark = false, mark = false;
};

StackEffect effect(unsigned char op) {
  StackEffect e;
  switch (op) {
    case '(': e.mark = true; break;
    case '.': case '0': e.pops = 1; break;
    case '1': e.to_mark = true; break;
    case '2': e.below = 1; e.pushes = 1; break;
    case 'Q': case 0x85: e.pops = 1; e.pushes = 1; break;
    case 'R': case 'b': case 'a': case 0x81: case 0x86: case 0x93: e.pops = 2; e.pushes = 1; break;
    case 's': case 0x87: case 0x92: e.pops = 3; e.pushes = 1; break;
    case 'e': case 'u': case 0x90: e.to_mark = true; e.below = 1; break;
    case 't': case 'd': case 'l': case 'i': case 'o': case 0x91: e.to_mark = true; e.pushes = 1; break;
    case 'p': case 'q': case 'r': case 0x94: case 0x98: e.below = 1; break;
    case 0x80: case 0x95: break;  // PROTO, FRAME
    default: e.pushes = 1; break;  // every other opcode pushes one value
  }
  return e;
}

uint64_t argument_value(const unsigned char* p, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string at(size_t offset, unsigned char op, const std::string& what) {
  std::ostringstream out;
  out << "pickle opcode 0x" << std::hex << static_cast<int>(op) << std::dec << " at byte " << offset << ": " << what;
  return out.str();
}

}  // namespace

std::string pickle_damage(const char* bytes, size_t size) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes);
  size_t i = 0;
  // LibTorch's unpickler does not check that the stack holds what an opcode takes (TUPLE3
  // on one item reads before the stack's start), so the depth is followed here.
  size_t depth = 0;
  std::vector<size_t> marks;
  while (i < size) {
    const size_t start = i;
    const unsigned char op = p[i++];
    bool known = false;
    const Opcode o = describe(op, &known);
    if (!known) return "";  // the unpickler stops on it with its own error
    const size_t left = size - i;
    switch (o.arg) {
      case Arg::kNone:
        break;
      case Arg::kFixed:
        if (left < static_cast<size_t>(o.width)) return at(start, op, "argument cut off");
        i += o.width;
        break;
      case Arg::kLength: {
        if (left < static_cast<size_t>(o.width)) return at(start, op, "length cut off");
        uint64_t n = argument_value(p + i, o.width);
        i += o.width;
        if (op == 0x95) break;  // FRAME: the frame's opcodes follow and are walked as such
        if (n > size - i) return at(start, op, "a length of " + std::to_string(n) + " bytes runs past the end");
        i += n;
        break;
      }
      case Arg::kLines:
        for (int line = 0; line < o.width; ++line) {
          const void* nl = std::memchr(p + i, '\n', size - i);
          if (nl == nullptr) return at(start, op, "text argument without its newline");
          i = static_cast<size_t>(static_cast<const unsigned char*>(nl) - p) + 1;
        }
        break;
      case Arg::kMemo: {
        if (left < 4) return at(start, op, "memo index cut off");
        uint64_t index = argument_value(p + i, 4);
        i += 4;
        // Every memo entry takes at least one opcode byte, so a valid pickle never
        // names an index beyond its own length.
        if (index > size) return at(start, op, "memo index " + std::to_string(index) + " beyond the pickle's size");
        break;
      }
    }
    const StackEffect e = effect(op);
    if (e.mark) {
      marks.push_back(depth);
      continue;
    }
    size_t floor = 0;
    if (e.to_mark) {
      if (marks.empty()) return at(start, op, "no mark to pop to");
      floor = marks.back();
      marks.pop_back();
    }
    // Below a mark: what the items above it go into (APPENDS' list) lies under the mark.
    const bool short_stack = e.to_mark ? floor < static_cast<size_t>(e.below)
                                       : depth < static_cast<size_t>(e.pops + e.below);
    if (short_stack) return at(start, op, "takes more values than the stack holds");
    depth = (e.to_mark ? floor : depth - e.pops) + e.pushes;
    if (op == '.') return "";
  }
  return "";
}

}  // namespace advlab::io
