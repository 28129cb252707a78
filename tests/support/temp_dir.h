#pragma once
// TempDir is the scratch directory of scratch_dir.h under the name the model tests use.
#include "support/scratch_dir.h"

namespace advlab::testing {

using TempDir = ScratchDir;

}  // namespace advlab::testing
