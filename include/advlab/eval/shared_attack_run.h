#pragma once
// One attack of a distributed evaluation, shared by every rank of the job. The samples to
// attack are cut into chunks (chunk_starts) and handed out from a counter in the store: a rank takes the next chunk when it finishes one, so ranks whose samples break
// quickly take more chunks (robust samples cost many times what broken ones do). Then
// every rank receives every chunk's result, in order, so all ranks hold the same state.
// Seeds are per sample (sample_random.h), so the result equals a single process's.
#include "advlab/dist/group.h"
#include "advlab/eval/attack_run.h"

#include <string>
#include <vector>

namespace advlab::eval {

// Where each chunk of n samples starts, plus n at the end: guided self-scheduling, each
// chunk about 1 / (2 ranks) of what is left, at most batch_size, in multiples of the
// model's pass_rows (0 = no alignment) except the last.
std::vector<int64_t> chunk_starts(int64_t n, int64_t batch_size, int64_t pass_rows, int64_t ranks);

// rows: int64 [n], the dataset indices to attack (the sample ids of their seeds). `tag`
// names the stage, the same on every rank. options.progress: the whole job's count (give
// it on rank 0 only); options' resume and after_batch are not used.
AttackRun run_attack_shared(Attack& attack, Classifier& model, const data::Dataset& dataset,
                            const torch::Tensor& rows, const AttackRunOptions& options, dist::Group& group,
                            const std::string& tag);

}  // namespace advlab::eval
