// Reductions and the fused neural-network kernels (softmax, layer norm,
// cross-entropy, gather/scatter-add, Adam). Each mirrors the JS reference's
// arithmetic (double accumulators, the same summation order) and splits work
// by rows or by column blocks, so every output element has one owner.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"
#include "pool.h"
#include "vexp.h"

namespace rn {
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per task
constexpr int64_t kColBlock = 256;   // columns per task in column-split reductions
constexpr int64_t kAdamGrain = 1 << 17;  // Adam is memory-bound: fewer, larger tasks
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

inline int64_t rows_per_task(int64_t cols) { return cols >= kGrain ? 1 : kGrain / (cols > 0 ? cols : 1); }

inline double target_mass(bool isLabel, int64_t classes, double smoothing) {
  if (isLabel) return 1 - smoothing;
  return classes > 1 ? smoothing / static_cast<double>(classes - 1) : 0;
}

}  // namespace

void sum(const float* x, float* out, int64_t outer, int64_t len, int64_t inner) {
  if (inner == 1) {
    parallel_range(outer, rows_per_task(len), [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; o++) {
        double s = 0;
        const float* p = x + o * len;
        for (int64_t j = 0; j < len; j++) s += p[j];
        out[o] = static_cast<float>(s);
      }
    });
    return;
  }
  const int64_t blocks = (inner + kColBlock - 1) / kColBlock;
  const int64_t per = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, len * kColBlock));
  parallel_range(outer * blocks, per, [&](int64_t lo, int64_t hi) {
    double acc[kColBlock];
    for (int64_t t = lo; t < hi; t++) {
      const int64_t o = t / blocks, i0 = (t % blocks) * kColBlock;
      const int64_t w = std::min(kColBlock, inner - i0);
      for (int64_t i = 0; i < w; i++) acc[i] = 0;
      for (int64_t j = 0; j < len; j++) {
        const float* p = x + (o * len + j) * inner + i0;
        for (int64_t i = 0; i < w; i++) acc[i] += p[i];
      }
      for (int64_t i = 0; i < w; i++) out[o * inner + i0 + i] = static_cast<float>(acc[i]);
    }
  });
}

void max(const float* x, float* out, int32_t* argmax, int64_t outer, int64_t len, int64_t inner) {
  const float ninf = -std::numeric_limits<float>::infinity();
  parallel_range(outer * inner, rows_per_task(len), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; t++) {
      const int64_t o = t / inner, i = t % inner;
      float best = ninf;
      int32_t arg = 0;
      for (int64_t j = 0; j < len; j++) {
        const float v = x[(o * len + j) * inner + i];
        if (v > best || (v != v && best == best)) {
          best = v;
          arg = static_cast<int32_t>(j);
        }
      }
      out[t] = len == 0 ? ninf : best;
      argmax[t] = arg;
    }
  });
}

void softmax(const float* x, float* out, int64_t rows, int64_t cols, bool log) {
  parallel_range(rows, rows_per_task(cols), [&](int64_t lo, int64_t hi) {
    std::vector<double> e(cols);
    for (int64_t r = lo; r < hi; r++) {
      const float* xr = x + r * cols;
      float* yr = out + r * cols;
      const double mx = exp_minus_max(xr, cols, e.data());
      double s = 0;
      for (int64_t c = 0; c < cols; c++) s += e[c];
      if (s == 0) {
        const float fill = log ? -std::numeric_limits<float>::infinity() : 0.0f;
        for (int64_t c = 0; c < cols; c++) yr[c] = fill;
        continue;
      }
      if (log) {
        const double lse = mx + std::log(s);
        for (int64_t c = 0; c < cols; c++) yr[c] = static_cast<float>(double(xr[c]) - lse);
      } else {
        for (int64_t c = 0; c < cols; c++) yr[c] = static_cast<float>(e[c] / s);
      }
    }
  });
}

void softmax_backward(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols, bool log) {
  parallel_range(rows, rows_per_task(cols), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const float* yr = y + r * cols;
      const float* gr = gy + r * cols;
      float* xr = gx + r * cols;
      double dot = 0;
      if (log) {
        for (int64_t c = 0; c < cols; c++) dot += gr[c];
        for (int64_t c = 0; c < cols; c++)
          xr[c] = static_cast<float>(double(gr[c]) - std::exp(double(yr[c])) * dot);
      } else {
        for (int64_t c = 0; c < cols; c++)
          if (yr[c] != 0) dot += double(gr[c]) * double(yr[c]);
        for (int64_t c = 0; c < cols; c++)
          xr[c] = yr[c] == 0 ? 0.0f : static_cast<float>(double(yr[c]) * (double(gr[c]) - dot));
      }
    }
  });
}

void layer_norm(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                int64_t rows, int64_t cols, double eps) {
  parallel_range(rows, rows_per_task(cols), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      double s = 0;
      for (int64_t c = 0; c < cols; c++) s += xr[c];
      const double mu = s / double(cols);
      double v = 0;
      for (int64_t c = 0; c < cols; c++) {
        const double d = double(xr[c]) - mu;
        v += d * d;
      }
      const double rs = 1 / std::sqrt(v / double(cols) + eps);
      mean[r] = static_cast<float>(mu);
      rstd[r] = static_cast<float>(rs);
      for (int64_t c = 0; c < cols; c++)
        yr[c] = static_cast<float>((double(xr[c]) - mu) * rs * double(gamma[c]) + double(beta[c]));
    }
  });
}

void layer_norm_backward(const float* x, const float* gamma, const float* mean, const float* rstd,
                         const float* gy, float* dx, float* dgamma, float* dbeta, int64_t rows, int64_t cols) {
  // dx: one task per block of rows.
  parallel_range(rows, rows_per_task(cols), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const float* xr = x + r * cols;
      const float* gr = gy + r * cols;
      const double mu = mean[r], rs = rstd[r];
      double sumD = 0, sumDX = 0;
      for (int64_t c = 0; c < cols; c++) {
        const double xh = (double(xr[c]) - mu) * rs;
        const double d = double(gr[c]) * double(gamma[c]);
        sumD += d;
        sumDX += d * xh;
      }
      const double mD = sumD / double(cols), mDX = sumDX / double(cols);
      float* dr = dx + r * cols;
      for (int64_t c = 0; c < cols; c++) {
        const double xh = (double(xr[c]) - mu) * rs;
        dr[c] = static_cast<float>(rs * (double(gr[c]) * double(gamma[c]) - mD - xh * mDX));
      }
    }
  });
  // dgamma, dbeta: one task per block of columns, rows ascending (the reference's order).
  const int64_t blocks = (cols + kColBlock - 1) / kColBlock;
  parallel_for(rows * cols >= kGrain ? blocks : 1, [&](int64_t t) {
    const bool all = !(rows * cols >= kGrain);
    const int64_t c0 = all ? 0 : t * kColBlock;
    const int64_t c1 = all ? cols : std::min(cols, c0 + kColBlock);
    std::vector<double> dg(c1 - c0, 0.0), db(c1 - c0, 0.0);
    for (int64_t r = 0; r < rows; r++) {
      const float* xr = x + r * cols;
      const float* gr = gy + r * cols;
      const double mu = mean[r], rs = rstd[r];
      for (int64_t c = c0; c < c1; c++) {
        const double xh = (double(xr[c]) - mu) * rs;
        dg[c - c0] += double(gr[c]) * xh;
        db[c - c0] += gr[c];
      }
    }
    for (int64_t c = c0; c < c1; c++) {
      dgamma[c] = static_cast<float>(double(dgamma[c]) + dg[c - c0]);
      dbeta[c] = static_cast<float>(double(dbeta[c]) + db[c - c0]);
    }
  });
}

// Σ e[c] and Σ x[c] of `n` consecutive rows (n ≤ kRowGroup), each row one chain over c ascending —
// the bits of summing row by row — but the rows' chains interleaved, so the adder's latency
// stops bounding the loop (a row's two chains alone leave it mostly idle).
namespace {
constexpr int64_t kRowGroup = 4;
void row_sums(const double* e, const float* x, int64_t n, int64_t cols, double* s, double* sx) {
  double a[kRowGroup] = {0, 0, 0, 0}, b[kRowGroup] = {0, 0, 0, 0};
  for (int64_t c = 0; c < cols; c++)
    for (int64_t j = 0; j < n; j++) {
      a[j] += e[j * cols + c];
      b[j] += x[j * cols + c];
    }
  for (int64_t j = 0; j < n; j++) {
    s[j] = a[j];
    sx[j] = b[j];
  }
}

// The index `max` finds in a row (first NaN, else first maximum), given the row's maximum over
// its non-NaN values `m` (exp_minus_max's shift: 0 for a row of −inf, where no value equals it
// and the index is 0, as `max` gives). The row is in cache: a vectorisable NaN test, then a
// scan that stops at the answer.
int32_t row_argmax(const float* x, int64_t n, float m) {
  bool nan = false;
  for (int64_t c = 0; c < n; c++) nan |= x[c] != x[c];
  int64_t j = 0;
  while (j < n && (nan ? x[j] == x[j] : x[j] != m)) j++;
  return static_cast<int32_t>(j < n ? j : 0);
}
}  // namespace

void cross_entropy(const float* logits, const int32_t* labels, float* loss, float* probs, int64_t rows,
                   int64_t classes, double smoothing, int32_t* argmax) {
  const double other = target_mass(false, classes, smoothing);
  const double onLabel = target_mass(true, classes, smoothing);
  parallel_range(rows, rows_per_task(classes), [&](int64_t lo, int64_t hi) {
    std::vector<double> e(kRowGroup * classes);
    for (int64_t r0 = lo; r0 < hi; r0 += kRowGroup) {
      const int64_t n = std::min(kRowGroup, hi - r0);
      double mx[kRowGroup], s[kRowGroup], sx[kRowGroup];
      for (int64_t j = 0; j < n; j++) {
        const float* xr = logits + (r0 + j) * classes;
        mx[j] = exp_minus_max(xr, classes, &e[j * classes]);
        if (argmax) argmax[r0 + j] = row_argmax(xr, classes, static_cast<float>(mx[j]));
      }
      row_sums(e.data(), logits + r0 * classes, n, classes, s, sx);
      for (int64_t j = 0; j < n; j++) {
        const int64_t r = r0 + j;
        const float* xr = logits + r * classes;
        float* pr = probs + r * classes;
        const double* er = &e[j * classes];
        const double lse = mx[j] + std::log(s[j]);
        for (int64_t c = 0; c < classes; c++) pr[c] = static_cast<float>(er[c] / s[j]);
        // −Σ_c t_c·log p_c in closed form: two short sums instead of a dependent chain over
        // every class (the JS reference sums term by term; they agree to double rounding).
        const int64_t label = labels[r];
        double l = 0;
        if (label >= 0 && label < classes) l -= (onLabel - other) * (double(xr[label]) - lse);
        if (other != 0) l -= other * (sx[j] - double(classes) * lse);
        loss[r] = static_cast<float>(l);
      }
    }
  });
}

void cross_entropy_backward(const float* probs, const int32_t* labels, const float* gloss, float* dlogits,
                            int64_t rows, int64_t classes, double smoothing) {
  const double other = target_mass(false, classes, smoothing);
  const double onLabel = target_mass(true, classes, smoothing);
  parallel_range(rows, rows_per_task(classes), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const double g = gloss[r];
      const int64_t label = labels[r];
      const float* pr = probs + r * classes;
      float* dr = dlogits + r * classes;
      if (g == 0) {
        std::memset(dr, 0, sizeof(float) * classes);
        continue;
      }
      for (int64_t c = 0; c < classes; c++)
        dr[c] = static_cast<float>(g * (double(pr[c]) - (c == label ? onLabel : other)));
    }
  });
}

void gather(const float* x, const int32_t* idx, int64_t nidx, float* out, int64_t outer, int64_t len,
            int64_t inner) {
  parallel_range(outer * nidx, rows_per_task(inner), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; t++) {
      const int64_t o = t / nidx, i = t % nidx;
      std::memcpy(out + t * inner, x + (o * len + idx[i]) * inner, sizeof(float) * inner);
    }
  });
}

void scatter_add(const float* gy, const int32_t* idx, int64_t nidx, float* gx, int64_t outer, int64_t len,
                 int64_t inner) {
  // Each task owns a block of columns of one outer slice and adds rows i ascending.
  const int64_t blocks = (inner + kColBlock - 1) / kColBlock;
  const bool par = outer * nidx * inner >= kGrain;
  parallel_for(par ? outer * blocks : 1, [&](int64_t t) {
    const int64_t oLo = par ? t / blocks : 0, oHi = par ? oLo + 1 : outer;
    for (int64_t o = oLo; o < oHi; o++) {
      const int64_t c0 = par ? (t % blocks) * kColBlock : 0;
      const int64_t c1 = par ? std::min(inner, c0 + kColBlock) : inner;
      for (int64_t i = 0; i < nidx; i++) {
        float* dst = gx + (o * len + idx[i]) * inner;
        const float* src = gy + (o * nidx + i) * inner;
        for (int64_t c = c0; c < c1; c++) dst[c] += src[c];
      }
    }
  });
}

void adam_range(float* p, const float* g, float* m, float* v, int64_t lo, int64_t hi, const AdamStep& o) {
  const double b1 = o.beta1, b2 = o.beta2, eps = o.epsilon, lr = o.lr, lrT = o.lrT, wd = o.weightDecay;
  for (int64_t i = lo; i < hi; i++) {
    const double gi = g[i];
    const float mi = static_cast<float>(b1 * double(m[i]) + (1 - b1) * gi);
    const float vi = static_cast<float>(b2 * double(v[i]) + (1 - b2) * gi * gi);
    m[i] = mi;
    v[i] = vi;
    double pi = p[i];
    if (wd != 0) pi -= lr * wd * pi;
    p[i] = static_cast<float>(pi - (lrT * double(mi)) / (std::sqrt(double(vi)) + eps));
  }
}

void adam(float* p, const float* g, float* m, float* v, int64_t n, const AdamStep& o) {
  parallel_range(n, kAdamGrain, [&](int64_t lo, int64_t hi) { adam_range(p, g, m, v, lo, hi, o); });
}

}  // namespace rn
