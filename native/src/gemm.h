// Packed, cache-blocked GEMM on float32 data with runtime-dispatched micro-kernels.
//
// Every output element is one chain of float32 fused multiply-adds over k in
// ascending order, starting from 0: acc = fmaf(a[i,p], b[p,j], acc) for p = 0,
// 1, ..., k-1. The AVX-512, AVX2 and portable (std::fma) kernels therefore
// agree bit for bit with each other; the JS reference (float64 sums, one
// rounding) agrees to float32 rounding. The accumulator is a float32 value
// that may be stored to C and reloaded between k-blocks without changing it,
// so blocking, packing and the thread partition only decide who computes
// which tile: results are identical for any thread count.
#pragma once

#include <cstdint>
#include <cstdlib>

namespace rn {

struct GemmSpec {
  int64_t batch, m, n, k;
  bool transA, transB;
  int64_t aBatchStride, bBatchStride;
};

// A micro-kernel computes an MR×NR tile of float32 accumulators: for each (i, j),
// acc = first ? 0 : c[i*ldc + j]; for p < kc: acc = fmaf(a[p*MR + i], b[p*NR + j], acc);
// c[i*ldc + j] = acc.
typedef void (*MicroKernelFn)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool first);

struct MicroKernel {
  int mr, nr;
  MicroKernelFn fn;
  const char* isa;
};

MicroKernel micro_kernel_generic();
bool micro_kernel_avx2(MicroKernel* out);    // false when not compiled in
bool micro_kernel_avx512(MicroKernel* out);  // false when not compiled in

// The best kernel this CPU supports ("avx512", "avx2", "generic"), or a forced one.
const char* gemm_isa();
// Forces an ISA ("avx512", "avx2", "generic", or "auto"); returns false when unsupported here.
bool set_gemm_isa(const char* name);

void sgemm(const float* a, const float* b, float* c, const GemmSpec& spec);
// B packed once for many products with the same B (an RNN's recurrent weights
// at every step). Packing only moves values: sgemm_packed gives sgemm's bits.
struct PackedB {
  float* data = nullptr;  // 64-byte aligned, as the micro-kernels load it
  const float* b = nullptr;  // the unpacked B (must outlive the packing)
  bool transB = false;
  int64_t n = 0, k = 0;
  int nr = 0;
  PackedB() = default;
  PackedB(const PackedB&) = delete;
  PackedB& operator=(const PackedB&) = delete;
  ~PackedB() { std::free(data); }
};
void pack_b_once(const float* b, bool transB, int64_t n, int64_t k, PackedB* out);
// C[m×n] = op(A)[m×k] · op(B), as sgemm with batch 1 computes it.
void sgemm_packed(const float* a, bool transA, int64_t m, const PackedB& b, float* c);

// sgemm for m == 1 or n == 1 (gemm_thin.cc); false (nothing done) for other shapes.
bool sgemm_thin(const float* a, const float* b, float* c, const GemmSpec& spec);

// One unbatched product c [m,n] = op(a)·op(b) through sgemm (the fused attention kernels' products).
inline void sgemm_single(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k, bool transA,
                         bool transB) {
  const GemmSpec g{1, m, n, k, transA, transB, 0, 0};
  sgemm(a, b, c, g);
}

}  // namespace rn
