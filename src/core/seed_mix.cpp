#include "advlab/core/seed_mix.h"

namespace advlab {

uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t derived_seed(uint64_t seed, int64_t epoch, uint64_t stream) {
  uint64_t z = seed ^ (stream * 0xD1B54A32D192ED03ULL);
  z += 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(epoch + 1);
  return splitmix64_mix(z);
}

}  // namespace advlab
