// Element-wise kernels over broadcast operands, and the strided copy.
// Values are computed as the reference does: in double, rounded once at the
// store (for + − × ÷ and sqrt float arithmetic gives the same bits).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "pool.h"

namespace rn {
namespace {

// Elements per task: big enough that waking a thread pays off.
constexpr int64_t kGrain = 1 << 15;

// --- scalar functions (mirroring src/kernels/js/math.ts and elementwise.ts) -----

inline double gelu(double x) { return 0.5 * x * (1 + std::erf(x / M_SQRT2)); }
inline double gelu_grad(double x) {
  return 0.5 * (1 + std::erf(x / M_SQRT2)) + (x * std::exp(-0.5 * x * x)) / std::sqrt(2 * M_PI);
}
inline double sigmoid(double x) {
  return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
}

// --- broadcast iteration -----------------------------------------------------------

// Drops size-1 dims and merges dims that are contiguous for every operand.
Strided collapse(const Strided& in, int nops) {
  Strided s;
  s.rank = 0;
  for (int d = 0; d < in.rank; d++) {
    if (in.shape[d] == 1) continue;
    if (s.rank > 0) {
      const int p = s.rank - 1;
      bool merge = true;
      for (int k = 0; k < nops; k++)
        if (s.strides[k][p] != in.strides[k][d] * in.shape[d]) merge = false;
      if (merge) {
        s.shape[p] *= in.shape[d];
        for (int k = 0; k < nops; k++) s.strides[k][p] = in.strides[k][d];
        continue;
      }
    }
    s.shape[s.rank] = in.shape[d];
    for (int k = 0; k < nops; k++) s.strides[k][s.rank] = in.strides[k][d];
    s.rank++;
  }
  if (s.rank == 0) {
    s.rank = 1;
    s.shape[0] = 1;
    for (int k = 0; k < nops; k++) s.strides[k][0] = 0;
  }
  return s;
}

int64_t total(const Strided& s) {
  int64_t n = 1;
  for (int d = 0; d < s.rank; d++) n *= s.shape[d];
  return n;
}

// Calls row(offsets[nops], outIndex, j0, j1) for pieces of innermost rows, in
// tasks of ~kGrain elements. `outIndex` is the flat row-major index of element
// j0 of that row.
template <int NOPS, typename Row>
void for_rows(const Strided& s, Row row) {
  const int last = s.rank - 1;
  const int64_t count = s.shape[last];
  const int64_t rows = total(s) / (count == 0 ? 1 : count);
  if (count == 0 || rows == 0) return;
  // Offsets of row r by decomposing r over the outer dims.
  auto offsets = [&](int64_t r, int64_t* off) {
    for (int k = 0; k < NOPS; k++) off[k] = 0;
    for (int d = last - 1; d >= 0; d--) {
      const int64_t i = r % s.shape[d];
      r /= s.shape[d];
      for (int k = 0; k < NOPS; k++) off[k] += i * s.strides[k][d];
    }
  };
  if (count >= kGrain) {
    const int64_t pieces = (count + kGrain - 1) / kGrain;
    parallel_range(rows * pieces, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; t++) {
        const int64_t r = t / pieces, j0 = (t % pieces) * kGrain;
        const int64_t j1 = j0 + kGrain < count ? j0 + kGrain : count;
        int64_t off[NOPS];
        offsets(r, off);
        row(off, r * count, j0, j1);
      }
    });
    return;
  }
  const int64_t rowsPerTask = kGrain / count > 0 ? kGrain / count : 1;
  parallel_range(rows, rowsPerTask, [&](int64_t lo, int64_t hi) {
    int64_t off[NOPS];
    int64_t idx[kMaxRank];
    {
      int64_t r = lo;
      for (int d = last - 1; d >= 0; d--) {
        idx[d] = r % s.shape[d];
        r /= s.shape[d];
      }
      offsets(lo, off);
    }
    for (int64_t r = lo; r < hi; r++) {
      row(off, r * count, 0, count);
      for (int d = last - 1; d >= 0; d--) {  // odometer step
        idx[d]++;
        for (int k = 0; k < NOPS; k++) off[k] += s.strides[k][d];
        if (idx[d] < s.shape[d]) break;
        for (int k = 0; k < NOPS; k++) off[k] -= s.strides[k][d] * s.shape[d];
        idx[d] = 0;
      }
    }
  });
}

template <typename F>
void binary_loop(const float* a, const float* b, float* out, const Strided& s0, F f) {
  const Strided s = collapse(s0, 2);
  const int last = s.rank - 1;
  const int64_t sa = s.strides[0][last], sb = s.strides[1][last];
  for_rows<2>(s, [&](const int64_t* off, int64_t o, int64_t j0, int64_t j1) {
    const float* pa = a + off[0];
    const float* pb = b + off[1];
    float* po = out + o;
    if (sa == 1 && sb == 1) {
      for (int64_t j = j0; j < j1; j++) po[j] = f(pa[j], pb[j]);
    } else if (sa == 1 && sb == 0) {
      const float vb = pb[0];
      for (int64_t j = j0; j < j1; j++) po[j] = f(pa[j], vb);
    } else if (sa == 0 && sb == 1) {
      const float va = pa[0];
      for (int64_t j = j0; j < j1; j++) po[j] = f(va, pb[j]);
    } else {
      for (int64_t j = j0; j < j1; j++) po[j] = f(pa[j * sa], pb[j * sb]);
    }
  });
}

template <typename F>
void unary_loop(const float* x, float* out, int64_t n, F f) {
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) out[i] = f(x[i]);
  });
}

}  // namespace

void unary(int op, const float* x, float* out, int64_t n) {
  switch (op) {
    case U_NEG: return unary_loop(x, out, n, [](float v) { return -v; });
    case U_EXP: return unary_loop(x, out, n, [](float v) { return static_cast<float>(std::exp(double(v))); });
    case U_LOG: return unary_loop(x, out, n, [](float v) { return static_cast<float>(std::log(double(v))); });
    case U_SQRT: return unary_loop(x, out, n, [](float v) { return std::sqrt(v); });
    case U_RSQRT:
      return unary_loop(x, out, n, [](float v) { return static_cast<float>(1 / std::sqrt(double(v))); });
    case U_ABS: return unary_loop(x, out, n, [](float v) { return std::fabs(v); });
    case U_RELU: return unary_loop(x, out, n, [](float v) { return v > 0 ? v : (v != v ? v : 0.0f); });
    case U_GELU: return unary_loop(x, out, n, [](float v) { return static_cast<float>(gelu(v)); });
    case U_TANH: return unary_loop(x, out, n, [](float v) { return static_cast<float>(std::tanh(double(v))); });
    case U_SIGMOID: return unary_loop(x, out, n, [](float v) { return static_cast<float>(sigmoid(v)); });
    case U_SIGN: return unary_loop(x, out, n, [](float v) { return v > 0 ? 1.0f : v < 0 ? -1.0f : 0.0f; });
    case U_SQUARE: return unary_loop(x, out, n, [](float v) { return v * v; });
    case U_RECIPROCAL: return unary_loop(x, out, n, [](float v) { return 1.0f / v; });
    default: return;
  }
}

void binary(int op, const float* a, const float* b, float* out, Strided s) {
  using D = double;
  switch (op) {
    case B_ADD: return binary_loop(a, b, out, s, [](float x, float y) { return x + y; });
    case B_SUB: return binary_loop(a, b, out, s, [](float x, float y) { return x - y; });
    case B_MUL: return binary_loop(a, b, out, s, [](float x, float y) { return x * y; });
    case B_DIV: return binary_loop(a, b, out, s, [](float x, float y) { return x / y; });
    case B_POW:
      return binary_loop(a, b, out, s, [](float x, float y) { return static_cast<float>(std::pow(D(x), D(y))); });
    case B_MAX: return binary_loop(a, b, out, s, [](float x, float y) { return x >= y || x != x ? x : y; });
    case B_MIN: return binary_loop(a, b, out, s, [](float x, float y) { return x <= y || x != x ? x : y; });
    case B_EQ: return binary_loop(a, b, out, s, [](float x, float y) { return x == y ? 1.0f : 0.0f; });
    case B_NE: return binary_loop(a, b, out, s, [](float x, float y) { return x != y ? 1.0f : 0.0f; });
    case B_LT: return binary_loop(a, b, out, s, [](float x, float y) { return x < y ? 1.0f : 0.0f; });
    case B_LE: return binary_loop(a, b, out, s, [](float x, float y) { return x <= y ? 1.0f : 0.0f; });
    case B_GT: return binary_loop(a, b, out, s, [](float x, float y) { return x > y ? 1.0f : 0.0f; });
    case B_GE: return binary_loop(a, b, out, s, [](float x, float y) { return x >= y ? 1.0f : 0.0f; });
    case B_RELU_GRAD: return binary_loop(a, b, out, s, [](float x, float g) { return x > 0 ? g : 0.0f; });
    case B_GELU_GRAD:
      return binary_loop(a, b, out, s, [](float x, float g) { return static_cast<float>(D(g) * gelu_grad(x)); });
    case B_TANH_GRAD:
      return binary_loop(a, b, out, s, [](float y, float g) { return static_cast<float>(D(g) * (1 - D(y) * D(y))); });
    case B_SIGMOID_GRAD:
      return binary_loop(a, b, out, s, [](float y, float g) { return static_cast<float>(D(g) * D(y) * (1 - D(y))); });
    default: return;
  }
}

void where(const float* cond, const float* a, const float* b, float* out, Strided s0) {
  const Strided s = collapse(s0, 3);
  const int last = s.rank - 1;
  const int64_t sc = s.strides[0][last], sa = s.strides[1][last], sb = s.strides[2][last];
  for_rows<3>(s, [&](const int64_t* off, int64_t o, int64_t j0, int64_t j1) {
    const float* pc = cond + off[0];
    const float* pa = a + off[1];
    const float* pb = b + off[2];
    float* po = out + o;
    for (int64_t j = j0; j < j1; j++) po[j] = pc[j * sc] != 0 ? pa[j * sa] : pb[j * sb];
  });
}

// A 2-D copy with a strided inner axis on one side (a transpose): 32×32 tiles,
// so both sides are read and written a cache line at a time. Pure data
// movement, so any task split gives the same bytes.
static void copy_tiled(const uint32_t* src, uint32_t* dst, const Strided& s) {
  constexpr int64_t kTile = 32;
  const int64_t rows = s.shape[0], cols = s.shape[1];
  const int64_t a0 = s.strides[0][0], a1 = s.strides[0][1], b0 = s.strides[1][0], b1 = s.strides[1][1];
  const int64_t rowTiles = (rows + kTile - 1) / kTile, colTiles = (cols + kTile - 1) / kTile;
  parallel_range(rowTiles * colTiles, std::max<int64_t>(1, (1 << 15) / (kTile * kTile)), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; t++) {
      const int64_t i0 = (t / colTiles) * kTile, j0 = (t % colTiles) * kTile;
      const int64_t i1 = std::min(rows, i0 + kTile), j1 = std::min(cols, j0 + kTile);
      if (b1 == 1) {  // contiguous writes along j: gather from the strided source
        for (int64_t i = i0; i < i1; i++) {
          const uint32_t* ps = src + i * a0 + j0 * a1;
          uint32_t* pd = dst + i * b0 + j0;
          for (int64_t j = 0; j < j1 - j0; j++) pd[j] = ps[j * a1];
        }
      } else {  // walk j outside, so the inner loop writes along i
        for (int64_t j = j0; j < j1; j++) {
          const uint32_t* ps = src + i0 * a0 + j * a1;
          uint32_t* pd = dst + i0 * b0 + j * b1;
          for (int64_t i = 0; i < i1 - i0; i++) pd[i * b0] = ps[i * a0];
        }
      }
    }
  });
}

void copy32(const uint32_t* src, uint32_t* dst, Strided s0) {
  const Strided s = collapse(s0, 2);
  const int last = s.rank - 1;
  const int64_t ss = s.strides[0][last], sd = s.strides[1][last];
  if (s.rank == 2 && (ss != 1 || sd != 1) && s.shape[0] >= 32 && s.shape[1] >= 32) {
    copy_tiled(src, dst, s);
    return;
  }
  // The output index passed by for_rows is unused: dst has its own strides.
  for_rows<2>(s, [&](const int64_t* off, int64_t, int64_t j0, int64_t j1) {
    const uint32_t* ps = src + off[0];
    uint32_t* pd = dst + off[1];
    if (ss == 1 && sd == 1) {
      std::memcpy(pd + j0, ps + j0, sizeof(uint32_t) * (j1 - j0));
    } else {
      for (int64_t j = j0; j < j1; j++) pd[j * sd] = ps[j * ss];
    }
  });
}

}  // namespace rn
