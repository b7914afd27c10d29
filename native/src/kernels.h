// The non-GEMM kernels. Semantics follow src/kernels/kernels.ts and the JS
// reference (src/kernels/js): element-wise results are computed in double and
// rounded once, reductions accumulate in double in the reference's order, so
// most outputs are bitwise equal to the reference. Every output element is
// computed by one thread in one fixed order.
#pragma once

#include <cstdint>

namespace rn {

enum UnaryOp : int {
  U_NEG, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_ABS, U_RELU, U_GELU, U_TANH, U_SIGMOID, U_SIGN, U_SQUARE,
  U_RECIPROCAL, U_COUNT
};

enum BinaryOp : int {
  B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAX, B_MIN, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_RELU_GRAD,
  B_GELU_GRAD, B_TANH_GRAD, B_SIGMOID_GRAD, B_COUNT
};

constexpr int kMaxRank = 16;

// A broadcast iteration space: `rank` dims with per-operand element strides.
struct Strided {
  int rank;
  int64_t shape[kMaxRank];
  int64_t strides[3][kMaxRank];  // up to 3 operands; the output is contiguous
};

void unary(int op, const float* x, float* out, int64_t n);
void binary(int op, const float* a, const float* b, float* out, Strided s);
void where(const float* cond, const float* a, const float* b, float* out, Strided s);
// Strided copy of 32-bit elements: dst[dOff + Σ i·dStride] = src[sOff + Σ i·sStride].
void copy32(const uint32_t* src, uint32_t* dst, Strided s);

void sum(const float* x, float* out, int64_t outer, int64_t len, int64_t inner);
void max(const float* x, float* out, int32_t* argmax, int64_t outer, int64_t len, int64_t inner);

void softmax(const float* x, float* out, int64_t rows, int64_t cols, bool log);
void softmax_backward(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols, bool log);
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                int64_t rows, int64_t cols, double eps);
void layer_norm_backward(const float* x, const float* gamma, const float* mean, const float* rstd,
                         const float* gy, float* dx, float* dgamma, float* dbeta, int64_t rows, int64_t cols);
// argmax (may be null): each row's index as `max` finds it (first NaN, else first maximum).
void cross_entropy(const float* logits, const int32_t* labels, float* loss, float* probs, int64_t rows,
                   int64_t classes, double smoothing, int32_t* argmax);
void cross_entropy_backward(const float* probs, const int32_t* labels, const float* gloss, float* dlogits,
                            int64_t rows, int64_t classes, double smoothing);
void gather(const float* x, const int32_t* idx, int64_t nidx, float* out, int64_t outer, int64_t len,
            int64_t inner);
void scatter_add(const float* gy, const int32_t* idx, int64_t nidx, float* gx, int64_t outer, int64_t len,
                 int64_t inner);

struct AdamStep {
  double lr;
  double lrT;  // lr·sqrt(1−β2^t)/(1−β1^t), computed by the caller (as the reference does, in JS)
  double beta1, beta2, epsilon, weightDecay;
};
void adam(float* p, const float* g, float* m, float* v, int64_t n, const AdamStep& o);
// Adam on elements [lo, hi) of one tensor, on the calling thread (the arithmetic of `adam`).
void adam_range(float* p, const float* g, float* m, float* v, int64_t lo, int64_t hi, const AdamStep& o);
// One tensor of a multi-tensor Adam step.
struct AdamTensor {
  float* p;
  const float* g;
  float* m;
  float* v;
  int64_t n;
};
// `adam` on every tensor in one pool dispatch (adam_many.cc). The tensors must not overlap.
void adam_many(const AdamTensor* tensors, int64_t count, const AdamStep& o);

// Philox4x32-10 words first .. first+count-1 of the stream (k0, k1, word2, word3), as src/rng/philox.ts.
void philox_words(uint32_t k0, uint32_t k1, uint32_t word2, uint32_t word3, uint64_t first, uint32_t* out,
                  int64_t count);

// Dropout keep-mask multipliers: out[i] = u >= rate ? float(1/(1-rate)) : 0 with u = (word (first+i) >> 8)·2^-24
// of the same stream — the keyed RNG's uniform(first+i), compared in double as src/tensor/ops/nn.ts does.
void dropout_mask(uint32_t k0, uint32_t k1, uint32_t word2, uint32_t word3, uint64_t first, double rate,
                  float* out, int64_t count);

// Per-block digests of 32-bit words (blocks of 2^16 words, two digest words each), as src/kernels/js/hash.ts.
void hash_blocks(const uint32_t* words, int64_t n, uint32_t* out);

}  // namespace rn
