#pragma once
// Seeds derived from (seed, epoch, stream) with SplitMix64's mixing function (Steele,
// Lea & Flood 2014): nearby inputs give unrelated outputs, so every random draw of an
// epoch or a batch depends on these numbers alone, and a resumed run draws exactly what
// an uninterrupted one drew.
#include <cstdint>

namespace advlab {

// SplitMix64's output function: a bijection of 64-bit words that spreads every input bit.
uint64_t splitmix64_mix(uint64_t z);
// The seed of one (epoch, stream) of a run seeded with `seed`.
uint64_t derived_seed(uint64_t seed, int64_t epoch, uint64_t stream = 0);

}  // namespace advlab
