// GEMM driver: pack A into MR-row panels and B into NR-column panels (each
// over the full k), then compute C in blocks of MC×NC, accumulating in place
// in C while k runs in KC-blocks in ascending order (edge tiles go through a
// small scratch tile). See gemm.h for the arithmetic contract.
#include "gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pool.h"

namespace rn {
namespace {

constexpr int64_t KC = 256;
// Below this many multiply-adds a matmul runs on the calling thread only.
constexpr int64_t kParallelMacs = 1 << 17;

// --- portable micro-kernel ------------------------------------------------------

constexpr int GMR = 4;
constexpr int GNR = 8;

// One fused multiply-add per step (std::fma: the same bits as the vector FMA).
void kernel_generic(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool first) {
  float acc[GMR][GNR];
  for (int i = 0; i < GMR; i++)
    for (int j = 0; j < GNR; j++) acc[i][j] = first ? 0.0f : c[i * ldc + j];
  for (int64_t p = 0; p < kc; p++) {
    const float* ap = a + p * GMR;
    const float* bp = b + p * GNR;
    for (int i = 0; i < GMR; i++)
      for (int j = 0; j < GNR; j++) acc[i][j] = std::fma(ap[i], bp[j], acc[i][j]);
  }
  for (int i = 0; i < GMR; i++)
    for (int j = 0; j < GNR; j++) c[i * ldc + j] = acc[i][j];
}

// --- ISA selection --------------------------------------------------------------

bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && cpu_has_avx2_fma();
#else
  return false;
#endif
}

MicroKernel best_kernel() {
  MicroKernel k;
  if (cpu_has_avx512() && micro_kernel_avx512(&k)) return k;
  if (cpu_has_avx2_fma() && micro_kernel_avx2(&k)) return k;
  return micro_kernel_generic();
}

MicroKernel& selected() {
  static MicroKernel k = best_kernel();
  return k;
}

// --- buffers ----------------------------------------------------------------------

// Grow-only 64-byte aligned scratch.
template <typename T>
struct Scratch {
  T* p = nullptr;
  size_t n = 0;
  ~Scratch() { std::free(p); }
  T* get(size_t count) {
    if (count > n) {
      std::free(p);
      const size_t bytes = ((count * sizeof(T)) + 63) / 64 * 64;
      p = static_cast<T*>(std::aligned_alloc(64, bytes));
      n = count;
    }
    return p;
  }
};

// Per calling thread (JS worker threads may call too); pool threads only write disjoint panels.
thread_local Scratch<float> g_packA;
thread_local Scratch<float> g_packB;

// --- packing ----------------------------------------------------------------------

// dst[p*w + r] = src[r*ld + p] for r < rows (zero for rows <= r < w), p < k: a
// transposing pack of `rows` row-major rows, in 8-column steps so that reads
// are contiguous runs and writes are sequential.
template <typename T>
void transpose_panel(const float* src, int64_t ld, int64_t rows, int64_t k, int w, T* dst) {
  constexpr int64_t S = 8;
  float tmp[32][S];
  int64_t p = 0;
  for (; p + S <= k; p += S) {
    for (int64_t r = 0; r < rows; r++)
      for (int64_t q = 0; q < S; q++) tmp[r][q] = src[r * ld + p + q];
    for (int64_t q = 0; q < S; q++) {
      T* d = dst + (p + q) * w;
      for (int64_t r = 0; r < rows; r++) d[r] = tmp[r][q];
      for (int64_t r = rows; r < w; r++) d[r] = 0;
    }
  }
  for (; p < k; p++) {
    T* d = dst + p * w;
    for (int64_t r = 0; r < rows; r++) d[r] = src[r * ld + p];
    for (int64_t r = rows; r < w; r++) d[r] = 0;
  }
}

// Full panels with a compile-time width: fixed-size inner loops the compiler unrolls and vectorises.
// dst[p*W + j] = src[p*ld + j] for p < kc, j < W.
template <int W>
void copy_full(const float* src, int64_t ld, int64_t kc, float* dst) {
  for (int64_t p = 0; p < kc; p++) {
    const float* s = src + p * ld;
    float* d = dst + p * W;
    for (int j = 0; j < W; j++) d[j] = s[j];
  }
}

// dst[p*W + r] = src[r*ld + p] for r < W, p < kc.
template <int W>
void transpose_full(const float* src, int64_t ld, int64_t kc, float* dst) {
  constexpr int64_t S = 8;
  int64_t p = 0;
  for (; p + S <= kc; p += S) {
    float tmp[S][W];
    for (int r = 0; r < W; r++)
      for (int64_t q = 0; q < S; q++) tmp[q][r] = src[r * ld + p + q];
    for (int64_t q = 0; q < S; q++)
      for (int r = 0; r < W; r++) dst[(p + q) * W + r] = tmp[q][r];
  }
  for (; p < kc; p++)
    for (int r = 0; r < W; r++) dst[p * W + r] = src[r * ld + p];
}

// The fixed-width version for the micro-kernels' panel widths; false for other widths.
bool copy_fast(const float* src, int64_t ld, int64_t kc, int w, float* dst) {
  switch (w) {
    case 4: copy_full<4>(src, ld, kc, dst); return true;
    case 6: copy_full<6>(src, ld, kc, dst); return true;
    case 8: copy_full<8>(src, ld, kc, dst); return true;
    case 12: copy_full<12>(src, ld, kc, dst); return true;
    case 16: copy_full<16>(src, ld, kc, dst); return true;
    case 32: copy_full<32>(src, ld, kc, dst); return true;
    default: return false;
  }
}

bool transpose_fast(const float* src, int64_t ld, int64_t kc, int w, float* dst) {
  switch (w) {
    case 4: transpose_full<4>(src, ld, kc, dst); return true;
    case 6: transpose_full<6>(src, ld, kc, dst); return true;
    case 8: transpose_full<8>(src, ld, kc, dst); return true;
    case 12: transpose_full<12>(src, ld, kc, dst); return true;
    case 16: transpose_full<16>(src, ld, kc, dst); return true;
    case 32: transpose_full<32>(src, ld, kc, dst); return true;
    default: return false;
  }
}

// dst[p*MR + ii] = A(i0 + ii, p0 + p) for p < kc, zero beyond m.
// A(i, p) = transA ? a[p*m + i] : a[i*k + p]. Written sequentially.
void pack_a(const float* a, bool transA, int64_t m, int64_t k, int64_t i0, int mr, int64_t p0, int64_t kc,
            float* dst) {
  const int64_t rows = std::min<int64_t>(mr, m - i0);
  if (rows == mr) {
    if (transA ? copy_fast(a + p0 * m + i0, m, kc, mr, dst) : transpose_fast(a + i0 * k + p0, k, kc, mr, dst))
      return;
  }
  if (transA) {
    for (int64_t p = 0; p < kc; p++) {
      const float* src = a + (p0 + p) * m + i0;
      float* d = dst + p * mr;
      int64_t ii = 0;
      for (; ii < rows; ii++) d[ii] = src[ii];
      for (; ii < mr; ii++) d[ii] = 0.0f;
    }
  } else {
    transpose_panel(a + i0 * k + p0, k, rows, kc, mr, dst);
  }
}

// dst[p*NR + jj] = B(p0 + p, j0 + jj) for p < kc, zero beyond n.
// B(p, j) = transB ? b[j*k + p] : b[p*n + j].
void pack_b(const float* b, bool transB, int64_t n, int64_t k, int64_t j0, int nr, int64_t p0, int64_t kc,
            float* dst) {
  const int64_t cols = std::min<int64_t>(nr, n - j0);
  if (cols == nr) {
    if (transB ? transpose_fast(b + j0 * k + p0, k, kc, nr, dst) : copy_fast(b + p0 * n + j0, n, kc, nr, dst))
      return;
  }
  if (transB) {
    transpose_panel(b + j0 * k + p0, k, cols, kc, nr, dst);
  } else {
    for (int64_t p = 0; p < kc; p++) {
      const float* src = b + (p0 + p) * n + j0;
      float* d = dst + p * nr;
      int64_t jj = 0;
      for (; jj < cols; jj++) d[jj] = src[jj];
      for (; jj < nr; jj++) d[jj] = 0.0f;
    }
  }
}

}  // namespace

MicroKernel micro_kernel_generic() { return MicroKernel{GMR, GNR, kernel_generic, "generic"}; }

const char* gemm_isa() { return selected().isa; }

bool set_gemm_isa(const char* name) {
  MicroKernel k;
  const std::string n(name);
  if (n == "auto") k = best_kernel();
  else if (n == "generic") k = micro_kernel_generic();
  else if (n == "avx2") {
    if (!cpu_has_avx2_fma() || !micro_kernel_avx2(&k)) return false;
  } else if (n == "avx512") {
    if (!cpu_has_avx512() || !micro_kernel_avx512(&k)) return false;
  } else {
    return false;
  }
  selected() = k;
  return true;
}

namespace {

// The k-chunks of a product: about KC each, equal sizes, so packed chunks stay cache-sized for any k.
void k_chunks(int64_t k, int64_t* chunks, int64_t* kcMax) {
  *chunks = (k + KC - 1) / KC;
  *kcMax = (k + *chunks - 1) / *chunks;
}

// C = A·B for every batch entry; with `pre`, B's panels come packed already
// (batch 1, laid out by pack_b_once) and only A is packed here.
void gemm_driver(const float* a, const float* b, float* c, const GemmSpec& s, const PackedB* pre) {
  const int64_t batch = s.batch, m = s.m, n = s.n, k = s.k;
  const MicroKernel mk = selected();
  const int MR = mk.mr, NR = mk.nr;
  const int64_t mp = (m + MR - 1) / MR;  // row panels per matrix
  const int64_t np = (n + NR - 1) / NR;  // column panels per matrix
  const int64_t batchA = s.aBatchStride == 0 ? 1 : batch;
  const int64_t batchB = s.bBatchStride == 0 ? 1 : batch;
  const bool par = threads() > 1 && batch * m * n * k >= kParallelMacs;
  // k runs in chunks: each chunk packs its slice of A and B, then updates every C tile.
  int64_t chunks, kcMax;
  k_chunks(k, &chunks, &kcMax);
  float* pa = g_packA.get(static_cast<size_t>(batchA * mp * kcMax * MR));
  float* pb = pre ? nullptr : g_packB.get(static_cast<size_t>(batchB * np * kcMax * NR));
  const int64_t nA = batchA * mp, nB = pre ? 0 : batchB * np;

  // Blocks of mcP×ncP panels; enough tasks to balance the threads.
  int64_t mcP = std::max<int64_t>(1, 192 / MR);
  int64_t ncP = std::max<int64_t>(1, 128 / NR);
  auto ntasks = [&] { return batch * ((mp + mcP - 1) / mcP) * ((np + ncP - 1) / ncP); };
  if (par) {
    // Small blocks balance well under dynamic scheduling (and when a core is
    // busy with another process); blocks of 2 panels still reuse the packed B.
    const int64_t want = 8 * threads();
    while (ntasks() < want && mcP > 2) mcP = (mcP + 1) / 2;
    while (ntasks() < want && ncP > 2) ncP = (ncP + 1) / 2;
  }
  const int64_t mcb = (mp + mcP - 1) / mcP, ncb = (np + ncP - 1) / ncP;

  for (int64_t chunk = 0; chunk < chunks; chunk++) {
    const int64_t p0 = chunk * kcMax, kc = std::min(kcMax, k - p0);
    const bool first = chunk == 0;
    const int64_t aPanel = kc * MR, bPanel = kc * NR;
    // A pre-packed B holds chunk after chunk: the chunk at p0 starts at p0 · np · NR.
    const float* pbChunk = pre ? pre->data + p0 * np * NR : pb;

    // Phase 1: pack this chunk of every panel of A and B.
    auto pack = [&](int64_t t) {
      if (t < nA) {
        const int64_t bi = t / mp, ip = t % mp;
        pack_a(a + bi * s.aBatchStride, s.transA, m, k, ip * MR, MR, p0, kc, pa + t * aPanel);
      } else {
        t -= nA;
        const int64_t bi = t / np, jp = t % np;
        pack_b(b + bi * s.bBatchStride, s.transB, n, k, jp * NR, NR, p0, kc, pb + t * bPanel);
      }
    };
    if (par) {
      // Chunks of panels, each ~16K elements, so small panels do not cost a task each.
      const int64_t per = std::max<int64_t>(1, 16384 / (kc * std::max(MR, NR)));
      parallel_range(nA + nB, per, [&](int64_t lo, int64_t hi) {
        for (int64_t t = lo; t < hi; t++) pack(t);
      });
    } else {
      for (int64_t t = 0; t < nA + nB; t++) pack(t);
    }

    // Phase 2: C += this chunk's product, tile by tile.
    auto block = [&](int64_t t) {
      alignas(64) float tile[64 * 64];  // an edge tile (MR×NR ≤ 64×64)
      const int64_t bi = t / (mcb * ncb);
      const int64_t rem = t % (mcb * ncb);
      const int64_t ib = rem / ncb, jb = rem % ncb;
      const int64_t ip0 = ib * mcP, ip1 = std::min(mp, ip0 + mcP);
      const int64_t jp0 = jb * ncP, jp1 = std::min(np, jp0 + ncP);
      const float* A = pa + (batchA == 1 ? 0 : bi) * mp * aPanel;
      const float* B = pbChunk + (batchB == 1 ? 0 : bi) * np * bPanel;
      float* C = c + bi * m * n;
      for (int64_t jp = jp0; jp < jp1; jp++) {
        const float* Bp = B + jp * bPanel;
        const int64_t j0 = jp * NR, cols = std::min<int64_t>(NR, n - j0);
        for (int64_t ip = ip0; ip < ip1; ip++) {
          const float* Ap = A + ip * aPanel;
          const int64_t i0 = ip * MR, rows = std::min<int64_t>(MR, m - i0);
          float* Ct = C + i0 * n + j0;
          if (rows == MR && cols == NR) {
            mk.fn(kc, Ap, Bp, Ct, n, first);
            continue;
          }
          // Edge tile: the accumulators of the valid part go through `tile`.
          if (!first)
            for (int64_t i = 0; i < rows; i++)
              for (int64_t j = 0; j < cols; j++) tile[i * NR + j] = Ct[i * n + j];
          mk.fn(kc, Ap, Bp, tile, NR, first);
          for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) Ct[i * n + j] = tile[i * NR + j];
        }
      }
    };
    if (par) {
      parallel_for(ntasks(), block);
    } else {
      const int64_t nt = ntasks();
      for (int64_t t = 0; t < nt; t++) block(t);
    }
  }
}

}  // namespace

void sgemm(const float* a, const float* b, float* c, const GemmSpec& s) {
  if (s.batch <= 0 || s.m <= 0 || s.n <= 0) return;
  if (s.k <= 0) {
    std::memset(c, 0, sizeof(float) * s.batch * s.m * s.n);
    return;
  }
  if (sgemm_thin(a, b, c, s)) return;
  gemm_driver(a, b, c, s, nullptr);
}

void pack_b_once(const float* b, bool transB, int64_t n, int64_t k, PackedB* out) {
  const int NR = selected().nr;
  const int64_t np = (n + NR - 1) / NR;
  int64_t chunks, kcMax;
  k_chunks(std::max<int64_t>(k, 1), &chunks, &kcMax);
  out->b = b;
  out->transB = transB;
  out->n = n;
  out->k = k;
  out->nr = NR;
  std::free(out->data);
  const size_t bytes = (static_cast<size_t>(std::max<int64_t>(k, 1) * np * NR) * sizeof(float) + 63) / 64 * 64;
  out->data = static_cast<float*>(std::aligned_alloc(64, bytes));
  for (int64_t p0 = 0; p0 < k; p0 += kcMax) {
    const int64_t kc = std::min(kcMax, k - p0);
    float* chunk = out->data + p0 * np * NR;
    parallel_range(np, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t jp = lo; jp < hi; jp++) pack_b(b, transB, n, k, jp * NR, NR, p0, kc, chunk + jp * kc * NR);
    });
  }
}

void sgemm_packed(const float* a, bool transA, int64_t m, const PackedB& b, float* c) {
  GemmSpec s{1, m, b.n, b.k, transA, b.transB, 0, 0};
  // Another micro-kernel since packing (REPRONET_ISA changed): the plain path, same bits.
  if (m == 1 || b.n == 1 || b.k <= 0 || selected().nr != b.nr) return sgemm(a, b.b, c, s);
  if (m <= 0 || b.n <= 0) return;
  gemm_driver(a, nullptr, c, s, &b);
}

}  // namespace rn
