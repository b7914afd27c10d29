// exp over arrays, vectorised: out[i] = e^(x[i] − shift) in double. Every
// element goes through the same IEEE double operations (no FMA contraction,
// no table), so the result does not depend on the vector width or the CPU:
// the AVX-512, AVX2 and baseline builds agree bit for bit.
#pragma once
#include <cstdint>

namespace rn {

// Arguments below −708 give 0 (e^−708 ≈ 3e−308 is below what float keeps);
// NaN stays NaN, −inf gives 0. Error about 1 ulp of double. For x − shift ≤ 709
// (callers pass x − max(x) ≤ 0).
void exp_shifted(const float* x, double shift, double* out, int64_t n);

// The softmax numerator: e[i] = e^(x[i] − m) with m = max x (0 when every x is
// −inf, so such a row gives zeros instead of NaN); returns m.
double exp_minus_max(const float* x, int64_t n, double* e);

}  // namespace rn
