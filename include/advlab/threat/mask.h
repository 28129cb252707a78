#pragma once
// A mask says which pixels an attack may change: 1 = may change, 0 = must stay as it was.
// Masks are float tensors [1, H, W] of 0/1 (one value per pixel, shared by its channels);
// they broadcast over a batch [N, C, H, W]. Attacks that take a mask report it through
// Attack::mask(), and Attack::run() then restores every pixel outside it, so the
// guarantee holds whatever the attack did.
#include <torch/types.h>

#include <string>

namespace advlab {

// A mask from a spec, for images of height x width:
//   full                    every pixel
//   rect:X,Y,W,H            a rectangle; X, Y, W, H are fractions of the image size
//   circle:CX,CY,R          a disc; centre and radius as fractions of the image size
//   stickers                two horizontal bars, upper and lower third (RP2's stop-sign
//                           stickers, Eykholt et al. 2018)
//   border:F                a frame of width F (fraction of the smaller side)
//   PATH.png                a PNG; white (>= 128 on its first channel) = may change;
//                           resized with nearest neighbour when its size differs
// Throws advlab::Error naming the spec when it is malformed, the file is missing or
// unreadable, or the mask is empty.
torch::Tensor make_mask(const std::string& spec, int64_t height, int64_t width);

// Pixels outside `mask` taken from `original`, inside from `candidate`.
torch::Tensor apply_mask(const torch::Tensor& original, const torch::Tensor& candidate,
                         const torch::Tensor& mask);

// Per sample: true where `candidate` equals `original` at every pixel outside `mask`.
torch::Tensor unchanged_outside(const torch::Tensor& original, const torch::Tensor& candidate,
                                const torch::Tensor& mask);

}  // namespace advlab
