// CTC forward-backward in float64 log space, as src/kernels/js/ctc.ts: each
// sequence is one task computed by one thread in the reference's order
// (classes ascending, states ascending), so results do not depend on the
// thread count.
#include "ctc.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "pool.h"

namespace rn {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr double kInf = std::numeric_limits<double>::infinity();

inline double log_add_exp(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  return a > b ? a + std::log1p(std::exp(b - a)) : b + std::log1p(std::exp(a - b));
}

double ctc_one(const float* x, const int32_t* labels, int64_t T, int64_t L, int64_t V, int64_t blank,
               float* grad) {
  const int64_t S = 2 * L + 1;
  std::vector<int32_t> ext(S, static_cast<int32_t>(blank));
  for (int64_t i = 0; i < L; i++) ext[2 * i + 1] = labels[i];
  if (T == 0) return L == 0 ? 0 : kInf;
  std::vector<double> lp(T * V);
  for (int64_t t = 0; t < T; t++) {
    const float* row = x + t * V;
    double mx = kNegInf;
    for (int64_t k = 0; k < V; k++) mx = std::max(mx, double(row[k]));
    double s = 0;
    for (int64_t k = 0; k < V; k++) s += std::exp(double(row[k]) - mx);
    const double lse = mx + std::log(s);
    for (int64_t k = 0; k < V; k++) lp[t * V + k] = double(row[k]) - lse;
  }
  auto skip = [&](int64_t s) { return s >= 2 && ext[s] != blank && ext[s] != ext[s - 2]; };
  std::vector<double> alpha(T * S, kNegInf), beta(T * S, kNegInf);
  alpha[0] = lp[blank];
  if (S > 1) alpha[1] = lp[ext[1]];
  for (int64_t t = 1; t < T; t++) {
    const double* p = alpha.data() + (t - 1) * S;
    for (int64_t s = 0; s < S; s++) {
      double a = p[s];
      if (s >= 1) a = log_add_exp(a, p[s - 1]);
      if (skip(s)) a = log_add_exp(a, p[s - 2]);
      alpha[t * S + s] = a == kNegInf ? kNegInf : a + lp[t * V + ext[s]];
    }
  }
  const int64_t last = (T - 1) * S;
  const double logP = S > 1 ? log_add_exp(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
  if (logP == kNegInf) return kInf;
  beta[last + S - 1] = 0;
  if (S > 1) beta[last + S - 2] = 0;
  for (int64_t t = T - 2; t >= 0; t--) {
    const double* n = beta.data() + (t + 1) * S;
    const double* e = lp.data() + (t + 1) * V;
    for (int64_t s = 0; s < S; s++) {
      double b = n[s] + e[ext[s]];
      if (s + 1 < S) b = log_add_exp(b, n[s + 1] + e[ext[s + 1]]);
      if (s + 2 < S && skip(s + 2)) b = log_add_exp(b, n[s + 2] + e[ext[s + 2]]);
      beta[t * S + s] = b;
    }
  }
  std::vector<double> occupancy(V);
  for (int64_t t = 0; t < T; t++) {
    std::fill(occupancy.begin(), occupancy.end(), 0.0);
    for (int64_t s = 0; s < S; s++) {
      const double v = alpha[t * S + s] + beta[t * S + s];
      if (v != kNegInf) occupancy[ext[s]] += std::exp(v - logP);
    }
    for (int64_t k = 0; k < V; k++) grad[t * V + k] = static_cast<float>(std::exp(lp[t * V + k]) - occupancy[k]);
  }
  return -logP;
}

}  // namespace

void ctc_loss(const float* logits, const int32_t* labels, const int32_t* input_lengths,
              const int32_t* label_lengths, int64_t batch, int64_t time, int64_t classes, int64_t max_labels,
              int64_t blank, float* loss, float* grad) {
  parallel_for(batch, [&](int64_t b) {
    const int64_t off = b * time * classes;
    std::memset(grad + off, 0, sizeof(float) * time * classes);
    const double l = ctc_one(logits + off, labels + b * max_labels, input_lengths[b], label_lengths[b], classes,
                             blank, grad + off);
    if (l == kInf) std::memset(grad + off, 0, sizeof(float) * time * classes);
    loss[b] = static_cast<float>(l);
  });
}

}  // namespace rn
