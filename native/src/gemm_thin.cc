// Matrix-vector shaped products (m == 1 or n == 1): the packed GEMM would
// spend a whole MR×NR micro-tile on each row or column, so these run as plain
// loops. Same arithmetic as the GEMM (gemm.h): each output element is one
// float32 FMA chain over k ascending, starting from +0 — the same bits, on
// every ISA (the loops only interleave independent chains).
#include <cmath>
#include <cstring>

#include "gemm.h"
#include "pool.h"

namespace rn {
namespace {

// One matrix: the chains of all outputs advance together, p ascending.
__attribute__((always_inline)) inline void thin_body(const float* a, const float* b, float* c, const GemmSpec& s) {
  const int64_t m = s.m, n = s.n, k = s.k;
  // Element strides of A(i, p) and B(p, j) in either layout.
  const int64_t ai = s.transA ? 1 : k, ap = s.transA ? m : 1;
  const int64_t bp = s.transB ? 1 : n, bj = s.transB ? k : 1;
  std::memset(c, 0, sizeof(float) * m * n);
  if (n == 1) {
    for (int64_t p = 0; p < k; p++) {
      const float y = b[p * bp];
      const float* ac = a + p * ap;
      for (int64_t i = 0; i < m; i++) c[i] = std::fma(ac[i * ai], y, c[i]);
    }
  } else {
    for (int64_t p = 0; p < k; p++) {
      const float x = a[p * ap];
      const float* br = b + p * bp;
      for (int64_t j = 0; j < n; j++) c[j] = std::fma(x, br[j * bj], c[j]);
    }
  }
}

void thin_generic(const float* a, const float* b, float* c, const GemmSpec& s) { thin_body(a, b, c, s); }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RN_THIN_X86 1
// The same loops compiled with hardware FMA (std::fma is then one instruction, not a libm call).
__attribute__((target("avx2,fma"))) void thin_avx2(const float* a, const float* b, float* c, const GemmSpec& s) {
  thin_body(a, b, c, s);
}
__attribute__((target("avx512f,avx2,fma"))) void thin_avx512(const float* a, const float* b, float* c,
                                                             const GemmSpec& s) {
  thin_body(a, b, c, s);
}
#endif

typedef void (*ThinFn)(const float*, const float*, float*, const GemmSpec&);

// The variant of the ISA the GEMM uses (gemm_isa(): detected or forced).
ThinFn thin_fn() {
#ifdef RN_THIN_X86
  const char* isa = gemm_isa();
  if (std::strcmp(isa, "avx512") == 0) return thin_avx512;
  if (std::strcmp(isa, "avx2") == 0) return thin_avx2;
#endif
  return thin_generic;
}

}  // namespace

bool sgemm_thin(const float* a, const float* b, float* c, const GemmSpec& s) {
  if (s.m != 1 && s.n != 1) return false;
  const ThinFn fn = thin_fn();
  const int64_t per = s.m * s.n * s.k;
  // Batches of about 16K multiply-adds per task; the split never depends on the thread count.
  const int64_t grain = per >= 16384 ? 1 : 16384 / (per > 0 ? per : 1);
  parallel_range(s.batch, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; t++) fn(a + t * s.aBatchStride, b + t * s.bBatchStride, c + t * s.m * s.n, s);
  });
  return true;
}

}  // namespace rn
