// AVX2 + FMA micro-kernel: 6×16 tile of float32 accumulators (12 ymm), one FMA
// chain per element over k ascending (see gemm.h). Compiled for this ISA by a
// target pragma (no STL here, so no ISA-specific code leaks into shared inline
// functions); called only after a runtime CPU check.
#include "gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

namespace rn {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

#define RN_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

void kernel_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool first) {
#define DECL(i) __m256 c##i##0, c##i##1;
  RN_ROWS(DECL)
#undef DECL
  if (first) {
#define ZERO(i) c##i##0 = _mm256_setzero_ps(); c##i##1 = _mm256_setzero_ps();
    RN_ROWS(ZERO)
#undef ZERO
  } else {
#define LOAD(i) c##i##0 = _mm256_loadu_ps(c + i * ldc); c##i##1 = _mm256_loadu_ps(c + i * ldc + 8);
    RN_ROWS(LOAD)
#undef LOAD
  }
  for (int64_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#define FMA(i)                                 \
  {                                            \
    const __m256 x = _mm256_set1_ps(a[i]);     \
    c##i##0 = _mm256_fmadd_ps(x, b0, c##i##0); \
    c##i##1 = _mm256_fmadd_ps(x, b1, c##i##1); \
  }
    RN_ROWS(FMA)
#undef FMA
    a += MR;
    b += NR;
  }
#define STORE(i) _mm256_storeu_ps(c + i * ldc, c##i##0); _mm256_storeu_ps(c + i * ldc + 8, c##i##1);
  RN_ROWS(STORE)
#undef STORE
}

#undef RN_ROWS

}  // namespace

bool micro_kernel_avx2(MicroKernel* out) {
  *out = MicroKernel{MR, NR, kernel_avx2, "avx2"};
  return true;
}

}  // namespace rn
#pragma GCC pop_options

#else
namespace rn {
bool micro_kernel_avx2(MicroKernel*) { return false; }
}  // namespace rn
#endif
