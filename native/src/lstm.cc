// LSTM kernels: one sgemm per step for the recurrent product (its weights
// packed once per call), then the cell
// update split over (batch, cell) elements. See lstm.h for the contract.
#include "lstm.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "pool.h"

namespace rn {
namespace {

// Elements per task of the cell update: fixed, so the split never depends on the thread count.
const int64_t kGrain = 2048;

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

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
      for (int64_t e = lo; e < hi; e++) {
        const int64_t b = e / n, k = e % n;
        const int64_t row = (b * T + t) * n;
        h_prev[row + k] = h[e];
        if (t >= lengths[b]) {
          cells[row + k] = c[e];
          y[row + k] = 0.0f;
          for (int q = 0; q < 4; q++) gates[row * 4 + q * n + k] = 0.0f;
          continue;
        }
        const float* x = xp + row * 4;
        const float* zb = z.data() + b * n4;
        float* g = gates + row * 4;
        const float j = static_cast<float>(std::tanh(double(x[k]) + double(zb[k])));
        const float i = static_cast<float>(sigmoid(double(x[n + k]) + double(zb[n + k])));
        const float f = static_cast<float>(sigmoid(double(x[2 * n + k]) + double(zb[2 * n + k])));
        const float o = static_cast<float>(sigmoid(double(x[3 * n + k]) + double(zb[3 * n + k])));
        g[k] = j;
        g[n + k] = i;
        g[2 * n + k] = f;
        g[3 * n + k] = o;
        const float c_new = static_cast<float>(double(f) * double(c[e]) + double(i) * double(j));
        const float y_new = static_cast<float>(double(o) * std::tanh(double(c_new)));
        c[e] = c_new;
        h[e] = y_new;
        cells[row + k] = c_new;
        y[row + k] = y_new;
      }
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
      for (int64_t e = lo; e < hi; e++) {
        const int64_t b = e / n, k = e % n;
        float* d = dz.data() + b * n4;
        if (t >= lengths[b]) {
          for (int q = 0; q < 4; q++) d[q * n + k] = 0.0f;
          continue;
        }
        const int64_t row = (b * T + t) * n;
        const float* g = gates + row * 4;
        const double j = g[k], i = g[n + k], f = g[2 * n + k], o = g[3 * n + k];
        const double c_prev = prev_t >= 0 ? cells[(b * T + prev_t) * n + k] : c0[e];
        const double tc = std::tanh(double(cells[row + k]));
        const double dyt = double(dy[row + k]) + double(dh[e]);
        const double dc2 = double(dc[e]) + dyt * o * (1 - tc * tc);
        d[k] = static_cast<float>(dc2 * i * (1 - j * j));
        d[n + k] = static_cast<float>(dc2 * j * i * (1 - i));
        d[2 * n + k] = static_cast<float>(dc2 * c_prev * f * (1 - f));
        d[3 * n + k] = static_cast<float>(dyt * tc * o * (1 - o));
        dc[e] = static_cast<float>(dc2 * f);
      }
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
