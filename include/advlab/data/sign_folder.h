#pragma once
// Saving the synthetic sign sets in the image-folder format that `folder:DIR` loads:
//   DIR/train/<class>/00000.png ...   DIR/test/<class>/00000.png ...
//   DIR/classes.txt (one class name a line, in label order)   DIR/signs.json (the options)
// The folder is written as DIR.tmp and renamed into place at the end, so an interrupted
// or failed run never leaves a DIR that looks complete.
#include "advlab/data/synthetic_signs.h"

#include <iosfwd>
#include <string>

namespace advlab::data {

// Writes one split: DIR/<class>/<5-digit index within the class>.png. File names sort in
// sample order, so load_image_folder(DIR) returns the set in the same order.
void save_image_folder(const Dataset& set, const std::string& dir);

// Renders and writes a sign dataset to `dir`. Throws advlab::Error if `dir` exists and
// `replace` is false. progress (may be null) gets one redrawn progress line.
void write_sign_folder(const SignDatasetOptions& options, const std::string& dir, bool replace,
                       std::ostream* progress);

// True if `dir` holds a complete sign folder (what write_sign_folder leaves behind).
bool is_sign_folder(const std::string& dir);

}  // namespace advlab::data
