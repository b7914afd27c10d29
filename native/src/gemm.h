// Packed, cache-blocked GEMM on float32 data with runtime-dispatched micro-kernels.
//
// Every output element is one float64 sum over k in ascending order, starting
// from 0, rounded to float32 once at the end — the JS reference's contract.
// Operands are widened to double (B when packed, A in the kernel); a float32×float32 product is
// exact in double, so fma(a, b, acc) and acc + a·b give the same bits and the
// AVX-512, AVX2 and portable kernels agree bit for bit with each other and
// with the reference. Blocking, packing and the thread partition only decide
// who computes which tile, so results are identical for any thread count.
#pragma once

#include <cstdint>

namespace rn {

struct GemmSpec {
  int64_t batch, m, n, k;
  bool transA, transB;
  int64_t aBatchStride, bBatchStride;
};

// A micro-kernel computes an MR×NR tile of double accumulators: for each (i, j),
// acc = first ? 0 : c[i*ldc + j]; for p < kc: acc = fma(double(a[p*MR + i]), b[p*NR + j], acc).
// A panels hold float32, B panels double.
typedef void (*MicroKernelFn)(int64_t kc, const float* a, const double* b, double* c, int64_t ldc, bool first);

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

}  // namespace rn
