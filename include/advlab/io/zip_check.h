#pragma once
// LibTorch's archive reader does not check the CRC-32 that a zip stores with each
// record, so a TorchScript file with damaged bytes loads and computes garbage (NaN
// logits, "clean accuracy 0"). verify_zip_checksums walks the archive's central
// directory and checks every record, so damage is reported before torch sees the file.
#include <string>

namespace advlab::io {

// Throws advlab::Error naming the file and the first damaged record (or the damaged
// directory). Returns quietly for a file that is not a zip archive at all: the loader
// that expected an archive says so better.
void verify_zip_checksums(const std::string& path);

}  // namespace advlab::io
