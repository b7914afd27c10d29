// LSTM kernels: one sgemm per step for the recurrent product (its weights
// packed once per call), then the cell
// update split over (batch, cell) elements. See lstm.h for the contract.
// The cell loops need if-conversion of their clamps and selects to vectorise,
// which GCC only does when comparisons may not trap. Values are unchanged:
// the same IEEE operations run (only FP exception flags could differ).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "lstm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "isa.h"
#include "pool.h"
#include "vexp.h"

namespace rn {
namespace {

// Elements per task of the cell update: fixed, so the split never depends on the thread count.
const int64_t kGrain = 2048;

// Gate nonlinearities in double from exp_one (vexp.h): branch-free, so the
// cell loops vectorise, and the same bits on every ISA (no libm call).
inline double sigmoid(double x) {
  const double nx = -x < 708.0 ? -x : 708.0;  // e^708 keeps 1/(1+e) > 0; NaN passes through
  return 1.0 / (1.0 + exp_one(nx));
}

// tanh(|x|) = (1 − e^−2|x|) / (1 + e^−2|x|); below |x| = 1e−3 the odd Taylor
// series (error < 1e−21 relative) instead, where 1 − e^−2|x| would cancel.
inline double tanh_d(double x) {
  const double ax = x < 0 ? -x : x;
  const double e = exp_one(-2.0 * ax);
  const double big = (1.0 - e) / (1.0 + e);
  const double x2 = ax * ax;
  const double small = ax * (1.0 - x2 * (1.0 / 3.0 - x2 * (2.0 / 15.0 - x2 * (17.0 / 315.0))));
  const double t = ax < 1e-3 ? small : big;
  return x < 0 ? -t : t;
}

// One batch row's cell update at one step, cells [k0, k1): gates from the
// input projection x (4n) and the recurrent product z (4n); c, h updated in place.
inline void forward_row(const float* __restrict__ x, const float* __restrict__ z, float* __restrict__ g,
                        float* __restrict__ c, float* __restrict__ h, float* __restrict__ cells,
                        float* __restrict__ y, float* __restrict__ h_prev, int64_t n, int64_t k0, int64_t k1) {
  for (int64_t k = k0; k < k1; k++) {
    h_prev[k] = h[k];
    const float j = static_cast<float>(tanh_d(double(x[k]) + double(z[k])));
    const float i = static_cast<float>(sigmoid(double(x[n + k]) + double(z[n + k])));
    const float f = static_cast<float>(sigmoid(double(x[2 * n + k]) + double(z[2 * n + k])));
    const float o = static_cast<float>(sigmoid(double(x[3 * n + k]) + double(z[3 * n + k])));
    g[k] = j;
    g[n + k] = i;
    g[2 * n + k] = f;
    g[3 * n + k] = o;
    const float c_new = static_cast<float>(double(f) * double(c[k]) + double(i) * double(j));
    const float y_new = static_cast<float>(double(o) * tanh_d(double(c_new)));
    c[k] = c_new;
    h[k] = y_new;
    cells[k] = c_new;
    y[k] = y_new;
  }
}

// One batch row's gate gradients at one step, cells [k0, k1); dc updated in place.
inline void backward_row(const float* __restrict__ g, const float* __restrict__ cell,
                         const float* __restrict__ c_prev, const float* __restrict__ dy,
                         const float* __restrict__ dh, float* __restrict__ dc, float* __restrict__ d, int64_t n,
                         int64_t k0, int64_t k1) {
  for (int64_t k = k0; k < k1; k++) {
    const double j = g[k], i = g[n + k], f = g[2 * n + k], o = g[3 * n + k];
    const double tc = tanh_d(double(cell[k]));
    const double dyt = double(dy[k]) + double(dh[k]);
    const double dc2 = double(dc[k]) + dyt * o * (1 - tc * tc);
    d[k] = static_cast<float>(dc2 * i * (1 - j * j));
    d[n + k] = static_cast<float>(dc2 * j * i * (1 - i));
    d[2 * n + k] = static_cast<float>(dc2 * double(c_prev[k]) * f * (1 - f));
    d[3 * n + k] = static_cast<float>(dyt * tc * o * (1 - o));
    dc[k] = static_cast<float>(dc2 * f);
  }
}

// The row loops compiled per ISA (isa.h), so REPRONET_ISA forces each.
struct FwdRowArgs {
  const float *x, *z;
  float *g, *c, *h, *cells, *y, *h_prev;
};
struct BwdRowArgs {
  const float *g, *cell, *c_prev, *dy, *dh;
  float *dc, *d;
};
inline void fwd(const FwdRowArgs& a, int64_t n, int64_t k0, int64_t k1) {
  forward_row(a.x, a.z, a.g, a.c, a.h, a.cells, a.y, a.h_prev, n, k0, k1);
}
inline void bwd(const BwdRowArgs& a, int64_t n, int64_t k0, int64_t k1) {
  backward_row(a.g, a.cell, a.c_prev, a.dy, a.dh, a.dc, a.d, n, k0, k1);
}
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx2"))) void fwd_avx2(const FwdRowArgs& a, int64_t n, int64_t k0, int64_t k1) {
  fwd(a, n, k0, k1);
}
__attribute__((target("avx512f"))) void fwd_avx512(const FwdRowArgs& a, int64_t n, int64_t k0, int64_t k1) {
  fwd(a, n, k0, k1);
}
__attribute__((target("avx2"))) void bwd_avx2(const BwdRowArgs& a, int64_t n, int64_t k0, int64_t k1) {
  bwd(a, n, k0, k1);
}
__attribute__((target("avx512f"))) void bwd_avx512(const BwdRowArgs& a, int64_t n, int64_t k0, int64_t k1) {
  bwd(a, n, k0, k1);
}
#define RN_LSTM_ISAS 1
#endif

void forward_row_isa(const FwdRowArgs& a, int64_t n, int64_t k0, int64_t k1) {
#ifdef RN_LSTM_ISAS
  switch (active_isa()) {
    case Isa::Avx512: return fwd_avx512(a, n, k0, k1);
    case Isa::Avx2: return fwd_avx2(a, n, k0, k1);
    default: break;
  }
#endif
  fwd(a, n, k0, k1);
}

void backward_row_isa(const BwdRowArgs& a, int64_t n, int64_t k0, int64_t k1) {
#ifdef RN_LSTM_ISAS
  switch (active_isa()) {
    case Isa::Avx512: return bwd_avx512(a, n, k0, k1);
    case Isa::Avx2: return bwd_avx2(a, n, k0, k1);
    default: break;
  }
#endif
  bwd(a, n, k0, k1);
}

// Calls row(b, k0, k1) for the parts of batch rows that elements [lo, hi) of B·n cover.
template <typename F>
void for_row_parts(int64_t lo, int64_t hi, int64_t n, F row) {
  for (int64_t b = lo / n; b * n < hi; b++) {
    const int64_t k0 = std::max<int64_t>(lo - b * n, 0), k1 = std::min<int64_t>(hi - b * n, n);
    if (k0 < k1) row(b, k0, k1);
  }
}

inline int64_t step_time(int64_t s, const LstmSpec& sp) { return sp.backward ? sp.t - 1 - s : s; }

void gemm(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k, bool transA, bool transB) {
  GemmSpec g;
  g.batch = 1;
  g.m = m;
  g.n = n;
  g.k = k;
  g.transA = transA;
  g.transB = transB;
  g.aBatchStride = 0;
  g.bBatchStride = 0;
  sgemm(a, b, c, g);
}

}  // namespace

void lstm_forward(const float* xp, const float* w_re, const float* c0, const float* h0, const int32_t* lengths,
                  float* y, float* cells, float* gates, float* h_prev, float* c_last, float* h_last,
                  const LstmSpec& s) {
  const int64_t B = s.b, T = s.t, n = s.n, n4 = 4 * n;
  std::vector<float> c(c0, c0 + B * n), h(h0, h0 + B * n), z(B * n4);
  // The recurrent weights are the same at every step: packed for the GEMM once.
  PackedB w;
  if (n > 0 && B > 0 && T > 0) pack_b_once(w_re, false, n4, n, &w);
  for (int64_t st = 0; st < T; st++) {
    const int64_t t = step_time(st, s);
    if (n > 0 && B > 0) sgemm_packed(h.data(), false, B, w, z.data());
    parallel_range(B * n, kGrain, [&](int64_t lo, int64_t hi) {
      for_row_parts(lo, hi, n, [&](int64_t b, int64_t k0, int64_t k1) {
        const int64_t row = (b * T + t) * n;
        if (t >= lengths[b]) {
          for (int64_t k = k0; k < k1; k++) {
            h_prev[row + k] = h[b * n + k];
            cells[row + k] = c[b * n + k];
            y[row + k] = 0.0f;
            for (int q = 0; q < 4; q++) gates[row * 4 + q * n + k] = 0.0f;
          }
          return;
        }
        const FwdRowArgs a{xp + row * 4, z.data() + b * n4, gates + row * 4, c.data() + b * n, h.data() + b * n,
                           cells + row, y + row, h_prev + row};
        forward_row_isa(a, n, k0, k1);
      });
    });
  }
  std::memcpy(c_last, c.data(), sizeof(float) * B * n);
  std::memcpy(h_last, h.data(), sizeof(float) * B * n);
}

void lstm_backward(const float* w_re, const float* c0, const int32_t* lengths, const float* cells,
                   const float* gates, const float* h_prev, const float* dy, const float* dc_last,
                   const float* dh_last, float* dxp, float* dw_re, float* dc0, float* dh0, const LstmSpec& s) {
  const int64_t B = s.b, T = s.t, n = s.n, n4 = 4 * n;
  std::vector<float> dc(B * n, 0.0f), dh(B * n, 0.0f), dz(B * n4), dh_new(B * n);
  if (dc_last) std::memcpy(dc.data(), dc_last, sizeof(float) * B * n);
  if (dh_last) std::memcpy(dh.data(), dh_last, sizeof(float) * B * n);
  PackedB wT;  // W_reᵀ, packed once for the T steps
  if (n > 0 && B > 0 && T > 0) pack_b_once(w_re, true, n, n4, &wT);
  for (int64_t st = T - 1; st >= 0; st--) {
    const int64_t t = step_time(st, s);
    const int64_t prev_t = st > 0 ? step_time(st - 1, s) : -1;
    parallel_range(B * n, kGrain, [&](int64_t lo, int64_t hi) {
      for_row_parts(lo, hi, n, [&](int64_t b, int64_t k0, int64_t k1) {
        float* d = dz.data() + b * n4;
        if (t >= lengths[b]) {
          for (int64_t k = k0; k < k1; k++)
            for (int q = 0; q < 4; q++) d[q * n + k] = 0.0f;
          return;
        }
        const int64_t row = (b * T + t) * n;
        const float* c_prev = prev_t >= 0 ? cells + (b * T + prev_t) * n : c0 + b * n;
        const BwdRowArgs a{gates + row * 4, cells + row, c_prev, dy + row, dh.data() + b * n, dc.data() + b * n, d};
        backward_row_isa(a, n, k0, k1);
      });
    });
    if (n > 0 && B > 0) sgemm_packed(dz.data(), false, B, wT, dh_new.data());
    for (int64_t b = 0; b < B; b++) {
      const int64_t row = (b * T + t) * n;
      std::memcpy(dxp + row * 4, dz.data() + b * n4, sizeof(float) * n4);
      if (t < lengths[b]) std::memcpy(dh.data() + b * n, dh_new.data() + b * n, sizeof(float) * n);
    }
  }
  if (n > 0) {
    if (B * T > 0)
      gemm(h_prev, dxp, dw_re, n, n4, B * T, true, false);
    else
      std::memset(dw_re, 0, sizeof(float) * n * n4);
  }
  std::memcpy(dc0, dc.data(), sizeof(float) * B * n);
  std::memcpy(dh0, dh.data(), sizeof(float) * B * n);
}

}  // namespace rn
