// How a distributed attack cuts its samples into chunks (shared_attack_run.h): the chunks
// cover every sample once, in order; they shrink as the work runs out (guided
// self-scheduling); every chunk but the last is a multiple of the model's rows per call
// and at most a batch.
#include "advlab/eval/shared_attack_run.h"

#include <gtest/gtest.h>

namespace advlab {
namespace {

void expect_well_formed(const std::vector<int64_t>& s, int64_t n, int64_t batch, int64_t rows) {
  ASSERT_GE(s.size(), 1u);
  EXPECT_EQ(s.front(), 0);
  EXPECT_EQ(s.back(), n);
  const int64_t unit = std::max<int64_t>(1, std::min(rows, batch));
  for (size_t c = 0; c + 1 < s.size(); ++c) {
    const int64_t size = s[c + 1] - s[c];
    EXPECT_GE(size, 1) << "chunk " << c;
    EXPECT_LE(size, std::max(batch, unit)) << "chunk " << c;
    if (c + 2 < s.size()) {
      EXPECT_EQ(size % unit, 0) << "chunk " << c << " of " << size << " rows";
    }
    if (c > 0) {
      EXPECT_LE(size, s[c] - s[c - 1]) << "chunk " << c << " grew";
    }
  }
}

TEST(ChunkStarts, KnownCutForTwoRanksAtSixteenRows) {
  // 180 left: 45 -> 48; 132: 33 -> 48; 84: 21 -> 32; 52: 13 -> 16; 36, 20: 16; then 4.
  EXPECT_EQ(eval::chunk_starts(180, 256, 16, 2), (std::vector<int64_t>{0, 48, 96, 128, 144, 160, 176, 180}));
}

TEST(ChunkStarts, WellFormedOverSizesBatchesRowsAndRanks) {
  for (int64_t n : {0, 1, 7, 16, 100, 1000})
    for (int64_t batch : {1, 7, 64, 256})
      for (int64_t rows : {0, 1, 16})
        for (int64_t ranks : {1, 2, 3, 8}) {
          SCOPED_TRACE(testing::Message() << "n " << n << " batch " << batch << " rows " << rows << " ranks " << ranks);
          expect_well_formed(eval::chunk_starts(n, batch, rows, ranks), n, batch, rows);
        }
}

TEST(ChunkStarts, EveryRankGetsSeveralChunksAndTheLastOnesAreSmall) {
  const auto s = eval::chunk_starts(1000, 256, 16, 2);
  EXPECT_GE(s.size() - 1, 8u);           // at least four per rank
  EXPECT_EQ(s[s.size() - 2] - s[s.size() - 3], 16);  // the tail is one call's worth
}

TEST(ChunkStarts, RejectsBadArguments) {
  EXPECT_ANY_THROW(eval::chunk_starts(10, 0, 16, 2));
  EXPECT_ANY_THROW(eval::chunk_starts(10, 8, -1, 2));
  EXPECT_ANY_THROW(eval::chunk_starts(10, 8, 16, 0));
}

}  // namespace
}  // namespace advlab
