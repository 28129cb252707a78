#include "advlab/models/max_pool_kernel.h"

#include <ATen/CPUFunctions.h>
#include <ATen/Functions.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace advlab {

namespace {

bool all_equal(at::IntArrayRef values, int64_t v) {
  for (auto x : values)
    if (x != v) return false;
  return true;
}

// One row of outputs: out[ow] = the max of the 2x2 window at column 2ow of rows r0 and
// r1, taken in LibTorch's order (r0 left, r0 right, r1 left, r1 right) with its rule: a
// value replaces the max if it is greater or NaN (x != x). Starting from the window's first
// value is the same as LibTorch's start from -inf at the first index (a first value of -inf
// leaves both where they were). `first` is the index of r0[0] in the plane.
void pool_row(const float* r0, const float* r1, int64_t width, int64_t first, int64_t from, int64_t out_w, float* out,
              int64_t* index) {
  for (int64_t ow = from; ow < out_w; ++ow) {
    const float a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
    float m = a;
    int64_t at = 0;
    if (b > m || b != b) m = b, at = 1;
    if (c > m || c != c) m = c, at = width;
    if (d > m || d != d) m = d, at = width + 1;
    out[ow] = m;
    index[ow] = first + 2 * ow + at;
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define ADVLAB_AVX2 __attribute__((target("avx2")))
ADVLAB_AVX2 inline __m256 evens(__m256 lo, __m256 hi) {  // lo[0], lo[2], ..., hi[6]
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xD8));
}
ADVLAB_AVX2 inline __m256 odds(__m256 lo, __m256 hi) {
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xDD)), 0xD8));
}
ADVLAB_AVX2 inline __m256 takes(__m256 v, __m256 m) {  // v > m or v is NaN
  return _mm256_or_ps(_mm256_cmp_ps(v, m, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

ADVLAB_AVX2 inline __m256i first_lanes(__m256i lane, int64_t n) {  // lanes below n all ones
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(n)), lane);
}

// The same, eight outputs at a time (the comparisons follow the data, which no branch
// predictor can: the scalar loop above runs at about 11 ns an output). Returns how many
// outputs it wrote (all).
ADVLAB_AVX2 int64_t pool_row_avx2(const float* r0, const float* r1, int64_t width, int64_t first,
                                                      int64_t out_w, float* out, int64_t* index) {
  const __m256 one = _mm256_castsi256_ps(_mm256_set1_epi32(1));
  const __m256 below = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int32_t>(width)));
  const __m256 below_right = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int32_t>(width + 1)));
  const __m256i lanes = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i all = _mm256_set1_epi32(-1);
  // The last block of fewer than 8 outputs reads and writes under masks: nothing past the
  // row's end (or the tensor's) is touched.
  for (int64_t ow = 0; ow < out_w; ow += 8) {
    const int64_t count = std::min<int64_t>(8, out_w - ow), j = 2 * ow;
    const bool whole = count == 8;
    const __m256i lo = whole ? all : first_lanes(lane, std::min<int64_t>(2 * count, 8));
    const __m256i hi = whole ? all : first_lanes(lane, std::max<int64_t>(2 * count - 8, 0));
    const __m256 t0 = _mm256_maskload_ps(r0 + j, lo), t1 = _mm256_maskload_ps(r0 + j + 8, hi);
    const __m256 u0 = _mm256_maskload_ps(r1 + j, lo), u1 = _mm256_maskload_ps(r1 + j + 8, hi);
    const __m256 a = evens(t0, t1), b = odds(t0, t1), c = evens(u0, u1), d = odds(u0, u1);
    __m256 m = a, at = _mm256_setzero_ps();  // at: int32 offsets in float registers
    __m256 t = takes(b, m);
    m = _mm256_blendv_ps(m, b, t), at = _mm256_blendv_ps(at, one, t);
    t = takes(c, m);
    m = _mm256_blendv_ps(m, c, t), at = _mm256_blendv_ps(at, below, t);
    t = takes(d, m);
    m = _mm256_blendv_ps(m, d, t), at = _mm256_blendv_ps(at, below_right, t);
    const __m256i keep = whole ? all : first_lanes(lane, count);
    _mm256_maskstore_ps(out + ow, keep, m);
    // first + j fits in 32 bits (a plane holds fewer than 2^31 values); widened to 64.
    const __m256i offset = _mm256_add_epi32(_mm256_castps_si256(at), lanes);
    const __m256i base = _mm256_set1_epi64x(first + j);
    auto* at_index = reinterpret_cast<long long*>(index + ow);
    _mm256_maskstore_epi64(at_index, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(keep)),
                           _mm256_add_epi64(base, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(offset))));
    _mm256_maskstore_epi64(at_index + 4, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(keep, 1)),
                           _mm256_add_epi64(base, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(offset, 1))));
  }
  return out_w;
}

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

void pool_plane(const float* in, int64_t width, int64_t out_h, int64_t out_w, float* out, int64_t* index) {
  for (int64_t oh = 0; oh < out_h; ++oh) {
    const float* r0 = in + 2 * oh * width;
    const float* r1 = r0 + width;
    const int64_t first = 2 * oh * width;
    int64_t done = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (has_avx2()) done = pool_row_avx2(r0, r1, width, first, out_w, out + oh * out_w, index + oh * out_w);
#endif
    pool_row(r0, r1, width, first, done, out_w, out + oh * out_w, index + oh * out_w);
  }
}

}  // namespace

bool max_pool_fast_case(const at::Tensor& self, at::IntArrayRef kernel_size, at::IntArrayRef stride,
                        at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode) {
  if (ceil_mode || !self.defined() || self.scalar_type() != at::kFloat || !self.device().is_cpu()) return false;
  if (self.layout() != at::kStrided || (self.dim() != 3 && self.dim() != 4) || !self.is_contiguous()) return false;
  if (kernel_size.empty() || kernel_size.size() > 2 || !all_equal(kernel_size, 2)) return false;
  if (stride.size() > 2 || !all_equal(stride, 2)) return false;  // empty: the kernel size
  if (padding.empty() || padding.size() > 2 || !all_equal(padding, 0)) return false;
  if (dilation.empty() || dilation.size() > 2 || !all_equal(dilation, 1)) return false;
  return self.size(-1) >= 2 && self.size(-2) >= 2 && self.numel() > 0;
}

std::tuple<at::Tensor, at::Tensor> fast_max_pool2d_with_indices(const at::Tensor& self, at::IntArrayRef kernel_size,
                                                                at::IntArrayRef stride, at::IntArrayRef padding,
                                                                at::IntArrayRef dilation, bool ceil_mode) {
  if (!max_pool_fast_case(self, kernel_size, stride, padding, dilation, ceil_mode))
    return at::cpu::max_pool2d_with_indices(self, kernel_size, stride, padding, dilation, ceil_mode);
  const int64_t height = self.size(-2), width = self.size(-1);
  const int64_t out_h = height / 2, out_w = width / 2;
  auto shape = self.sizes().vec();
  shape[shape.size() - 2] = out_h;
  shape[shape.size() - 1] = out_w;
  auto out = at::empty(shape, self.options());
  auto index = at::empty(shape, self.options().dtype(at::kLong));
  const int64_t planes = self.numel() / (height * width);
  const float* in = self.data_ptr<float>();
  float* o = out.data_ptr<float>();
  int64_t* ix = index.data_ptr<int64_t>();
  at::parallel_for(0, planes, 16, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p)
      pool_plane(in + p * height * width, width, out_h, out_w, o + p * out_h * out_w, ix + p * out_h * out_w);
  });
  return {out, index};
}

}  // namespace advlab
