// See vexp.h. Cody–Waite reduction x = n·ln2 + r (|r| ≤ ln2/2), a degree-12
// Taylor polynomial for e^r (truncation error < 2e−16 relative), and 2^n built
// in the exponent bits. Branch-free, so GCC vectorises the loop; compiled once
// per ISA and picked by active_isa() (isa.h), so REPRONET_ISA can force each.
#include "vexp.h"

#include <cstring>
#include <limits>

#include "isa.h"

namespace rn {
namespace {

inline double exp_one(double x) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2, high bits (exact times n)
  constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln 2 − kLn2Hi
  constexpr double kMagic = 6755399441055744.0;           // 1.5 · 2^52: adding it rounds to an integer
  const double xc = x < -708.0 ? -708.0 : x;              // NaN passes through (the comparison is false)
  const double t = xc * kLog2e + kMagic;
  const double n = t - kMagic;
  const double r = (xc - n * kLn2Hi) - n * kLn2Lo;
  double p = 1.0 / 479001600.0;  // 1/12!
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  uint64_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  // The low bits of t hold n; 2^n for n in [−1022, 0] is a normal double.
  const uint64_t scaleBits = (bits - 0x4338000000000000ULL + 1023ULL) << 52;
  double scale;
  std::memcpy(&scale, &scaleBits, sizeof scale);
  const double y = p * scale;
  return x < -708.0 ? 0.0 : y;
}

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
