// See vexp.h (exp_one). The array loops are compiled once per ISA and picked
// by active_isa() (isa.h), so REPRONET_ISA can force each.
#include "vexp.h"

#include <cstring>
#include <limits>

#include "isa.h"

namespace rn {
namespace {

void exp_shifted_generic(const float* x, double shift, double* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = exp_one(double(x[i]) - shift);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RN_HAS_VEXP_ISAS 1
__attribute__((target("avx2"))) void exp_shifted_avx2(const float* x, double shift, double* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = exp_one(double(x[i]) - shift);
}

__attribute__((target("avx512f"))) void exp_shifted_avx512(const float* x, double shift, double* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = exp_one(double(x[i]) - shift);
}
#endif

}  // namespace

void exp_shifted(const float* x, double shift, double* out, int64_t n) {
#ifdef RN_HAS_VEXP_ISAS
  switch (active_isa()) {
    case Isa::Avx512: return exp_shifted_avx512(x, shift, out, n);
    case Isa::Avx2: return exp_shifted_avx2(x, shift, out, n);
    default: break;
  }
#endif
  exp_shifted_generic(x, shift, out, n);
}

namespace {
// The largest non-NaN value of x (−inf for none). Sixteen independent running
// maxima vectorise where one chain of compares would not; the maximum is the
// same value in any order — up to the sign of a zero, which neither the
// shift x − m nor the callers' comparisons with m can tell apart.
float max_ignoring_nan(const float* x, int64_t n) {
  constexpr int64_t kLanes = 16;
  float lane[kLanes];
  for (float& l : lane) l = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int64_t j = 0; j < kLanes; j++) lane[j] = x[i + j] > lane[j] ? x[i + j] : lane[j];
  float mx = -std::numeric_limits<float>::infinity();
  for (float l : lane) mx = l > mx ? l : mx;
  for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  return mx;
}
}  // namespace

double exp_minus_max(const float* x, int64_t n, double* e) {
  const float mx = max_ignoring_nan(x, n);
  const double shift = mx == -std::numeric_limits<float>::infinity() ? 0.0 : double(mx);
  exp_shifted(x, shift, e, n);
  return shift;
}

}  // namespace rn
