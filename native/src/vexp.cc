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

double exp_minus_max(const float* x, int64_t n, double* e) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; i++)
    if (x[i] > mx) mx = x[i];
  const double shift = mx == -std::numeric_limits<float>::infinity() ? 0.0 : double(mx);
  exp_shifted(x, shift, e, n);
  return shift;
}

}  // namespace rn
