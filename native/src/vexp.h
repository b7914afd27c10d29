// exp over arrays, vectorised: out[i] = e^(x[i] − shift) in double. Every
// element goes through the same IEEE double operations (no FMA contraction,
// no table), so the result does not depend on the vector width or the CPU:
// the AVX-512, AVX2 and baseline builds agree bit for bit.
#pragma once
#include <cstdint>
#include <cstring>

namespace rn {

// e^x for x ≤ 709 (below −708: 0): Cody–Waite reduction x = n·ln2 + r
// (|r| ≤ ln2/2), a degree-12 Taylor polynomial for e^r (truncation error
// < 2e−16 relative), 2^n built in the exponent bits. Branch-free and inline,
// so loops over it vectorise; plain IEEE double operations (callers compile
// without FMA contraction), so every ISA gives the same bits.
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

// Arguments below −708 give 0 (e^−708 ≈ 3e−308 is below what float keeps);
// NaN stays NaN, −inf gives 0. Error about 1 ulp of double. For x − shift ≤ 709
// (callers pass x − max(x) ≤ 0).
void exp_shifted(const float* x, double shift, double* out, int64_t n);

// The softmax numerator: e[i] = e^(x[i] − m) with m = max x (0 when every x is
// −inf, so such a row gives zeros instead of NaN); returns m.
double exp_minus_max(const float* x, int64_t n, double* e);

}  // namespace rn
