// Fused attention, one (n, h) slice per task unit: a line-by-line port of
// src/kernels/js/attention.ts (double sums in the same order, the same roundings).
#include "attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "pool.h"

namespace rn {
namespace {

const float kMask = -1e30f;

inline bool visible(int64_t i, int64_t j, int64_t len, bool causal) { return j < len && (!causal || j <= i); }

int64_t slices_per_task(const AttentionSpec& s) {
  const int64_t work = s.tq * s.tk * (s.dk + s.dv);
  return work >= (1 << 14) ? 1 : (1 << 14) / (work > 0 ? work : 1);
}

void forward_slice(const float* q, const float* k, const float* v, int64_t len, const float* drop, float* out,
                   float* probs, const AttentionSpec& s, double* e, float* qs, float* w) {
  const int64_t tq = s.tq, tk = s.tk, dk = s.dk, dv = s.dv;
  const float scale = static_cast<float>(s.scale);
  for (int64_t x = 0; x < tq * dk; x++) qs[x] = q[x] * scale;
  for (int64_t i = 0; i < tq; i++) {
    float* pr = probs + i * tk;
    for (int64_t j = 0; j < tk; j++) {
      if (!visible(i, j, len, s.causal)) {
        pr[j] = kMask;
        continue;
      }
      double acc = 0;
      for (int64_t d = 0; d < dk; d++) acc += double(qs[i * dk + d]) * double(k[j * dk + d]);
      pr[j] = static_cast<float>(acc);
    }
    float mxf = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < tk; j++)
      if (pr[j] > mxf) mxf = pr[j];
    const double mx = mxf == -std::numeric_limits<float>::infinity() ? 0.0 : double(mxf);
    double sum = 0;
    for (int64_t j = 0; j < tk; j++) {
      e[j] = std::exp(double(pr[j]) - mx);
      sum += e[j];
    }
    for (int64_t j = 0; j < tk; j++) pr[j] = sum == 0 ? 0.0f : static_cast<float>(e[j] / sum);
    for (int64_t j = 0; j < tk; j++) w[j] = drop ? pr[j] * drop[i * tk + j] : pr[j];
    for (int64_t d = 0; d < dv; d++) {
      double acc = 0;
      for (int64_t j = 0; j < tk; j++) acc += double(w[j]) * double(v[j * dv + d]);
      out[i * dv + d] = static_cast<float>(acc);
    }
  }
}

void backward_slice(const float* q, const float* k, const float* v, int64_t len, const float* drop,
                    const float* probs, const float* gout, float* gq, float* gk, float* gv, const AttentionSpec& s,
                    float* qs, float* ge, float* w) {
  const int64_t tq = s.tq, tk = s.tk, dk = s.dk, dv = s.dv;
  const float scale = static_cast<float>(s.scale);
  for (int64_t x = 0; x < tq * dk; x++) qs[x] = q[x] * scale;
  for (int64_t x = 0; x < tq * tk; x++) w[x] = drop ? probs[x] * drop[x] : probs[x];
  for (int64_t i = 0; i < tq; i++) {
    float* g = ge + i * tk;
    const float* pr = probs + i * tk;
    for (int64_t j = 0; j < tk; j++) {
      double acc = 0;
      for (int64_t d = 0; d < dv; d++) acc += double(gout[i * dv + d]) * double(v[j * dv + d]);
      g[j] = drop ? static_cast<float>(acc) * drop[i * tk + j] : static_cast<float>(acc);
    }
    double dot = 0;
    for (int64_t j = 0; j < tk; j++)
      if (pr[j] != 0) dot += double(g[j]) * double(pr[j]);
    for (int64_t j = 0; j < tk; j++)
      g[j] = visible(i, j, len, s.causal) && pr[j] != 0 ? static_cast<float>(double(pr[j]) * (double(g[j]) - dot))
                                                        : 0.0f;
  }
  for (int64_t i = 0; i < tq; i++)
    for (int64_t d = 0; d < dk; d++) {
      double acc = 0;
      for (int64_t j = 0; j < tk; j++) acc += double(ge[i * tk + j]) * double(k[j * dk + d]);
      gq[i * dk + d] = static_cast<float>(acc) * scale;
    }
  for (int64_t j = 0; j < tk; j++) {
    for (int64_t d = 0; d < dk; d++) {
      double acc = 0;
      for (int64_t i = 0; i < tq; i++) acc += double(ge[i * tk + j]) * double(qs[i * dk + d]);
      gk[j * dk + d] = static_cast<float>(acc);
    }
    for (int64_t d = 0; d < dv; d++) {
      double acc = 0;
      for (int64_t i = 0; i < tq; i++) acc += double(w[i * tk + j]) * double(gout[i * dv + d]);
      gv[j * dv + d] = static_cast<float>(acc);
    }
  }
}

}  // namespace

void attention_forward(const float* q, const float* k, const float* v, const int32_t* lengths, const float* drop,
                       float* out, float* probs, const AttentionSpec& s) {
  parallel_range(s.n * s.h, slices_per_task(s), [&](int64_t lo, int64_t hi) {
    std::vector<double> e(s.tk);
    std::vector<float> qs(s.tq * s.dk), w(s.tk);
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

}  // namespace rn
