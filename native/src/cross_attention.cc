// Fused cross-attention, one (batch entry, head) slice per task unit. Each
// slice is gathered from the layers' strided layout into contiguous rows (the
// composed ops' transposes, with their `where` zeroing of padded frames), its
// products go through sgemm as the composed matmuls do, and the element-wise
// steps repeat the composed kernels' arithmetic (see cross_attention.h).
#include "cross_attention.h"

#include <algorithm>
#include <vector>

#include "gemm.h"
#include "pool.h"
#include "rows.h"
#include "vexp.h"

namespace rn {
namespace {

const float kMask = -1e30f;  // MASK_VALUE of src/tensor/ops/nn.ts as float32
constexpr auto mm = sgemm_single;

int64_t slices_per_task(const CrossAttentionSpec& s) {
  const int64_t work = s.tq * s.tk * (s.dk + s.dv);
  return work >= (1 << 14) ? 1 : (1 << 14) / (work > 0 ? work : 1);
}

// Where slice t = (batch entry n, head hh) starts in each layout.
struct Slice {
  int64_t n, q, k, v, out, drop, probs;
};

Slice slice_of(int64_t t, const CrossAttentionSpec& s) {
  const int64_t n = t / s.h, hh = t % s.h;
  return Slice{n,
               (n * s.tq * s.h + hh) * s.dk,
               (n * s.tk * s.h + hh) * s.dk,
               (n * s.tk * s.h + hh) * s.dv,
               (n * s.tq * s.h + hh) * s.dv,
               (n * s.tq * s.h + hh) * s.tk,
               t * s.tq * s.tk};
}

// Per-task scratch: the gathered q, k, v slices and [tq, tk] / [tq|tk, d] work rows.
struct Scratch {
  std::vector<float> q, k, v, a, b, c, d;
  std::vector<double> e;
  explicit Scratch(const CrossAttentionSpec& s)
      : q(s.tq * s.dk), k(s.tk * s.dk), v(s.tk * s.dv), a(s.tq * s.tk), b(s.tq * s.tk),
        c(std::max(s.tq, s.tk) * std::max(s.dk, s.dv)), d(std::max(s.tq, s.tk) * std::max(s.dk, s.dv)),
        e(s.tk) {}
};

void gather_slice(const float* q, const float* k, const float* v, const Slice& at, int64_t ql, int64_t kl,
                  const CrossAttentionSpec& s, Scratch& w) {
  gather_rows(q + at.q, s.h * s.dk, w.q.data(), s.tq, s.dk, ql);
  gather_rows(k + at.k, s.h * s.dk, w.k.data(), s.tk, s.dk, kl);
  gather_rows(v + at.v, s.h * s.dv, w.v.data(), s.tk, s.dv, kl);
}

// The weights generic_attention sums with: dropout applied, padded frames (both axes) zeroed.
void weights_of(const float* probs, const float* drop, int64_t ql, int64_t kl, const CrossAttentionSpec& s,
                float* w) {
  for (int64_t i = 0; i < s.tq; i++)
    for (int64_t j = 0; j < s.tk; j++) {
      const float p = probs[i * s.tk + j];
      w[i * s.tk + j] = i < ql && j < kl ? (drop ? p * drop[i * s.h * s.tk + j] : p) : 0.0f;
    }
}

void forward_slice(const float* q, const float* k, const float* v, int64_t ql, int64_t kl, const float* drop,
                   const Slice& at, float* out, float* probs, const CrossAttentionSpec& s, Scratch& w) {
  const int64_t tq = s.tq, tk = s.tk;
  const float factor = static_cast<float>(s.factor);
  gather_slice(q, k, v, at, ql, kl, s, w);
  float* pr = probs + at.probs;
  mm(w.q.data(), w.k.data(), pr, tq, tk, s.dk, false, true);  // energies
  for (int64_t i = 0; i < tq; i++) {
    float* x = pr + i * tk;
    for (int64_t j = 0; j < tk; j++) x[j] = j < kl ? x[j] * factor : kMask;
    exp_minus_max(x, tk, w.e.data());
    double sum = 0;
    for (int64_t j = 0; j < tk; j++) sum += w.e[j];
    for (int64_t j = 0; j < tk; j++) x[j] = sum == 0 ? 0.0f : static_cast<float>(w.e[j] / sum);
  }
  weights_of(pr, drop ? drop + at.drop : nullptr, ql, kl, s, w.a.data());
  mm(w.a.data(), w.v.data(), w.c.data(), tq, s.dv, tk, false, false);
  scatter_rows(w.c.data(), out + at.out, s.h * s.dv, tq, s.dv, tq);
}

void backward_slice(const float* q, const float* k, const float* v, int64_t ql, int64_t kl, const float* drop,
                    const float* probs, const float* gout, const Slice& at, float* gq, float* gk, float* gv,
                    const CrossAttentionSpec& s, Scratch& w) {
  const int64_t tq = s.tq, tk = s.tk;
  const float factor = static_cast<float>(s.factor);
  const float* dr = drop ? drop + at.drop : nullptr;
  const float* pr = probs + at.probs;
  gather_slice(q, k, v, at, ql, kl, s, w);
  float* g = w.d.data();  // gradient of the output slice [tq, dv]
  gather_rows(gout + at.out, s.h * s.dv, g, tq, s.dv, tq);
  weights_of(pr, dr, ql, kl, s, w.a.data());
  // generic_attention: gradients of its weights and of the (zeroed) values.
  float* gw = w.b.data();
  mm(g, w.v.data(), gw, tq, tk, s.dv, false, true);
  mm(w.a.data(), g, w.c.data(), tk, s.dv, tq, true, false);
  scatter_rows(w.c.data(), gv + at.v, s.h * s.dv, tk, s.dv, kl);
  // Padding's where, dropout, softmax (masked keys get 0), energy_factor: in place, row by row.
  for (int64_t i = 0; i < tq; i++) {
    float* gr = gw + i * tk;
    const float* p = pr + i * tk;
    for (int64_t j = 0; j < tk; j++) {
      const float gj = i < ql && j < kl ? gr[j] : 0.0f;
      gr[j] = dr ? gj * dr[i * s.h * tk + j] : gj;
    }
    double dot = 0;
    for (int64_t j = 0; j < tk; j++)
      if (p[j] != 0) dot += double(gr[j]) * double(p[j]);
    for (int64_t j = 0; j < tk; j++) {
      const float gx = p[j] == 0 ? 0.0f : static_cast<float>(double(p[j]) * (double(gr[j]) - dot));
      gr[j] = (j < kl ? gx : 0.0f) * factor;
    }
  }
  // dot: gradients of the (zeroed) queries and keys.
  mm(gw, w.k.data(), w.c.data(), tq, s.dk, tk, false, false);
  scatter_rows(w.c.data(), gq + at.q, s.h * s.dk, tq, s.dk, ql);
  mm(gw, w.q.data(), w.c.data(), tk, s.dk, tq, true, false);
  scatter_rows(w.c.data(), gk + at.k, s.h * s.dk, tk, s.dk, kl);
}

inline int64_t len_or(const int32_t* lengths, int64_t n, int64_t full) { return lengths ? lengths[n] : full; }

}  // namespace

void cross_attention_forward(const float* q, const float* k, const float* v, const int32_t* qlen,
                             const int32_t* klen, const float* drop, float* out, float* probs,
                             const CrossAttentionSpec& s) {
  parallel_range(s.b * s.h, slices_per_task(s), [&](int64_t lo, int64_t hi) {
    Scratch w(s);
    for (int64_t t = lo; t < hi; t++) {
      const Slice at = slice_of(t, s);
      forward_slice(q, k, v, len_or(qlen, at.n, s.tq), len_or(klen, at.n, s.tk), drop, at, out, probs, s, w);
    }
  });
}

void cross_attention_backward(const float* q, const float* k, const float* v, const int32_t* qlen,
                              const int32_t* klen, const float* drop, const float* probs, const float* gout,
                              float* gq, float* gk, float* gv, const CrossAttentionSpec& s) {
  parallel_range(s.b * s.h, slices_per_task(s), [&](int64_t lo, int64_t hi) {
    Scratch w(s);
    for (int64_t t = lo; t < hi; t++) {
      const Slice at = slice_of(t, s);
      backward_slice(q, k, v, len_or(qlen, at.n, s.tq), len_or(klen, at.n, s.tk), drop, probs, gout, at, gq,
                     gk, gv, s, w);
    }
  });
}

}  // namespace rn
