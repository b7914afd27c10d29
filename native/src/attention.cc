// Fused attention, one (n, h) slice per task unit: the composed ops' arithmetic
// (src/tensor/ops/fused.ts), matrix products through sgemm (float32 FMA chains),
// the softmax in double as the softmax kernel computes it.
#include "attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gemm.h"
#include "pool.h"
#include "rows.h"
#include "vexp.h"

namespace rn {
namespace {

const float kMask = -1e30f;

inline bool visible(int64_t i, int64_t j, int64_t len, bool causal) { return j < len && (!causal || j <= i); }

int64_t slices_per_task(const AttentionSpec& s) {
  const int64_t work = s.tq * s.tk * (s.dk + s.dv);
  return work >= (1 << 14) ? 1 : (1 << 14) / (work > 0 ? work : 1);
}

// Every matrix product goes through sgemm, as the composed ops' matmuls do, so
// each dot product is the same float32 FMA chain (see gemm.h).
constexpr auto mm = sgemm_single;

void forward_slice(const float* q, const float* k, const float* v, int64_t len, const float* drop, float* out,
                   float* probs, const AttentionSpec& s, double* e, float* qs, float* w) {
  const int64_t tq = s.tq, tk = s.tk, dk = s.dk, dv = s.dv;
  const float scale = static_cast<float>(s.scale);
  for (int64_t x = 0; x < tq * dk; x++) qs[x] = q[x] * scale;
  mm(qs, k, probs, tq, tk, dk, false, true);  // energies
  for (int64_t i = 0; i < tq; i++) {
    float* pr = probs + i * tk;
    for (int64_t j = 0; j < tk; j++)
      if (!visible(i, j, len, s.causal)) pr[j] = kMask;
    exp_minus_max(pr, tk, e);
    double sum = 0;
    for (int64_t j = 0; j < tk; j++) sum += e[j];
    for (int64_t j = 0; j < tk; j++) pr[j] = sum == 0 ? 0.0f : static_cast<float>(e[j] / sum);
    for (int64_t j = 0; j < tk; j++) w[i * tk + j] = drop ? pr[j] * drop[i * tk + j] : pr[j];
  }
  mm(w, v, out, tq, dv, tk, false, false);
}

void backward_slice(const float* q, const float* k, const float* v, int64_t len, const float* drop,
                    const float* probs, const float* gout, float* gq, float* gk, float* gv, const AttentionSpec& s,
                    float* qs, float* ge, float* w) {
  const int64_t tq = s.tq, tk = s.tk, dk = s.dk;
  const float scale = static_cast<float>(s.scale);
  for (int64_t x = 0; x < tq * dk; x++) qs[x] = q[x] * scale;
  for (int64_t x = 0; x < tq * tk; x++) w[x] = drop ? probs[x] * drop[x] : probs[x];
  mm(gout, v, ge, tq, tk, s.dv, false, true);  // gradient of the (dropped-out) weights
  for (int64_t i = 0; i < tq; i++) {
    float* g = ge + i * tk;
    const float* pr = probs + i * tk;
    if (drop)
      for (int64_t j = 0; j < tk; j++) g[j] *= drop[i * tk + j];
    double dot = 0;
    for (int64_t j = 0; j < tk; j++)
      if (pr[j] != 0) dot += double(g[j]) * double(pr[j]);
    for (int64_t j = 0; j < tk; j++)
      g[j] = visible(i, j, len, s.causal) && pr[j] != 0 ? static_cast<float>(double(pr[j]) * (double(g[j]) - dot))
                                                        : 0.0f;
  }
  mm(ge, k, gq, tq, dk, tk, false, false);
  for (int64_t x = 0; x < tq * dk; x++) gq[x] *= scale;
  mm(ge, qs, gk, tk, dk, tq, true, false);
  mm(w, gout, gv, tk, s.dv, tq, true, false);
}

}  // namespace

void attention_forward(const float* q, const float* k, const float* v, const int32_t* lengths, const float* drop,
                       float* out, float* probs, const AttentionSpec& s) {
  parallel_range(s.n * s.h, slices_per_task(s), [&](int64_t lo, int64_t hi) {
    std::vector<double> e(s.tk);
    std::vector<float> qs(s.tq * s.dk), w(s.tq * s.tk);
    for (int64_t t = lo; t < hi; t++) {
      const int64_t len = lengths[(t / s.h) / s.rowsPerLength];
      const int64_t po = t * s.tq * s.tk;
      forward_slice(q + t * s.tq * s.dk, k + t * s.tk * s.dk, v + t * s.tk * s.dv, len, drop ? drop + po : nullptr,
                    out + t * s.tq * s.dv, probs + po, s, e.data(), qs.data(), w.data());
    }
  });
}

void attention_backward(const float* q, const float* k, const float* v, const int32_t* lengths, const float* drop,
                        const float* probs, const float* gout, float* gq, float* gk, float* gv,
                        const AttentionSpec& s) {
  parallel_range(s.n * s.h, slices_per_task(s), [&](int64_t lo, int64_t hi) {
    std::vector<float> qs(s.tq * s.dk), ge(s.tq * s.tk), w(s.tq * s.tk);
    for (int64_t t = lo; t < hi; t++) {
      const int64_t len = lengths[(t / s.h) / s.rowsPerLength];
      const int64_t qo = t * s.tq * s.dk, ko = t * s.tk * s.dk, vo = t * s.tk * s.dv, po = t * s.tq * s.tk;
      backward_slice(q + qo, k + ko, v + vo, len, drop ? drop + po : nullptr, probs + po, gout + t * s.tq * s.dv,
                     gq + qo, gk + ko, gv + vo, s, qs.data(), ge.data(), w.data());
    }
  });
}

// Packed: slice (n, hh) of qkv [n, t, h, width] has its rows at ((n·t + i)·h + hh)·width,
// q, k, v at column offsets 0, dk, 2·dk; its output rows at ((n·t + i)·h + hh)·dv.
void attention_packed_forward(const float* qkv, const int32_t* lengths, const float* drop, float* out, float* probs,
                              const AttentionSpec& s) {
  const int64_t T = s.tq, width = 2 * s.dk + s.dv;
  parallel_range(s.n * s.h, slices_per_task(s), [&](int64_t lo, int64_t hi) {
    std::vector<double> e(T);
    std::vector<float> qs(T * s.dk), w(T * T), q(T * s.dk), k(T * s.dk), v(T * s.dv), o(T * s.dv);
    for (int64_t t = lo; t < hi; t++) {
      const int64_t n = t / s.h, hh = t % s.h, len = lengths[n / s.rowsPerLength], po = t * T * T;
      const float* base = qkv + (n * T * s.h + hh) * width;
      gather_rows(base, s.h * width, q.data(), T, s.dk, T);
      gather_rows(base + s.dk, s.h * width, k.data(), T, s.dk, T);
      gather_rows(base + 2 * s.dk, s.h * width, v.data(), T, s.dv, T);
      forward_slice(q.data(), k.data(), v.data(), len, drop ? drop + po : nullptr, o.data(), probs + po, s, e.data(),
                    qs.data(), w.data());
      scatter_rows(o.data(), out + (n * T * s.h + hh) * s.dv, s.h * s.dv, T, s.dv, T);
    }
  });
}

void attention_packed_backward(const float* qkv, const int32_t* lengths, const float* drop, const float* probs,
                               const float* gout, float* gqkv, const AttentionSpec& s) {
  const int64_t T = s.tq, dk = s.dk, dv = s.dv, width = 2 * dk + dv, stride = s.h * width;
  parallel_range(s.n * s.h, slices_per_task(s), [&](int64_t lo, int64_t hi) {
    std::vector<float> qs(T * dk), ge(T * T), w(T * T), q(T * dk), k(T * dk), v(T * dv), g(T * dv);
    std::vector<float> gq(T * dk), gk(T * dk), gv(T * dv);
    for (int64_t t = lo; t < hi; t++) {
      const int64_t n = t / s.h, hh = t % s.h, len = lengths[n / s.rowsPerLength], po = t * T * T;
      const int64_t at = (n * T * s.h + hh) * width;
      gather_rows(qkv + at, stride, q.data(), T, dk, T);
      gather_rows(qkv + at + dk, stride, k.data(), T, dk, T);
      gather_rows(qkv + at + 2 * dk, stride, v.data(), T, dv, T);
      gather_rows(gout + (n * T * s.h + hh) * dv, s.h * dv, g.data(), T, dv, T);
      backward_slice(q.data(), k.data(), v.data(), len, drop ? drop + po : nullptr, probs + po, g.data(), gq.data(),
                     gk.data(), gv.data(), s, qs.data(), ge.data(), w.data());
      // + 0.0f: the composed ops sum three zero-padded slice gradients, which turns −0 into +0.
      for (int64_t i = 0; i < T; i++) {
        float* row = gqkv + at + i * stride;
        for (int64_t x = 0; x < dk; x++) row[x] = gq[i * dk + x] + 0.0f;
        for (int64_t x = 0; x < dk; x++) row[dk + x] = gk[i * dk + x] + 0.0f;
        for (int64_t x = 0; x < dv; x++) row[2 * dk + x] = gv[i * dv + x] + 0.0f;
      }
    }
  });
}

}  // namespace rn
