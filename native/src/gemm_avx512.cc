// AVX-512 micro-kernel: 12×32 tile of float32 accumulators (24 zmm), one FMA
// chain per element over k ascending. Same arithmetic as the AVX2 and portable
// kernels (see gemm.h). Compiled for this ISA by a target pragma; called only
// after a runtime CPU check.
#include "gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#include <immintrin.h>

namespace rn {
namespace {

constexpr int MR = 12;
constexpr int NR = 32;

#define RN_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

void kernel_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool first) {
#define DECL(i) __m512 c##i##0, c##i##1;
  RN_ROWS(DECL)
#undef DECL
  if (first) {
#define ZERO(i) c##i##0 = _mm512_setzero_ps(); c##i##1 = _mm512_setzero_ps();
    RN_ROWS(ZERO)
#undef ZERO
  } else {
#define LOAD(i) c##i##0 = _mm512_loadu_ps(c + i * ldc); c##i##1 = _mm512_loadu_ps(c + i * ldc + 16);
    RN_ROWS(LOAD)
#undef LOAD
  }
  for (int64_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#define FMA(i)                                 \
  {                                            \
    const __m512 x = _mm512_set1_ps(a[i]);     \
    c##i##0 = _mm512_fmadd_ps(x, b0, c##i##0); \
    c##i##1 = _mm512_fmadd_ps(x, b1, c##i##1); \
  }
    RN_ROWS(FMA)
#undef FMA
    a += MR;
    b += NR;
  }
#define STORE(i) _mm512_storeu_ps(c + i * ldc, c##i##0); _mm512_storeu_ps(c + i * ldc + 16, c##i##1);
  RN_ROWS(STORE)
#undef STORE
}

#undef RN_ROWS

}  // namespace

bool micro_kernel_avx512(MicroKernel* out) {
  *out = MicroKernel{MR, NR, kernel_avx512, "avx512"};
  return true;
}

}  // namespace rn
#pragma GCC pop_options

#else
namespace rn {
bool micro_kernel_avx512(MicroKernel*) { return false; }
}  // namespace rn
#endif
