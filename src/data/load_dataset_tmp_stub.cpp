// TEMPORARY: lets the models-train branch link before the data loaders are merged.
// The lead deletes this file when merging the data-io branch.
#include "advlab/core/error.h"
#include "advlab/data/load.h"

namespace advlab::data {

Dataset load_dataset(const std::string& spec) {
  throw Error("load_dataset is not available on this branch (spec '" + spec + "')");
}

}  // namespace advlab::data
