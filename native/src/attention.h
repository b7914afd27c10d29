// Fused scaled dot-product attention with sequence masks (forward and
// backward). It reproduces, bit for bit, the composed ops (src/tensor/ops/fused.ts
// on native kernels): q' = q·scale in float, dot products as float32 FMA chains
// (the GEMM contract, gemm.h), masked positions set to the −1e30
// mask value, softmax in double, an optional dropout keep-mask multiplier.
#pragma once

#include <cstdint>

namespace rn {

struct AttentionSpec {
  int64_t n, h, tq, tk, dk, dv;
  int64_t rowsPerLength;  // row n uses lengths[n / rowsPerLength]
  double scale;           // rounded to float before use
  bool causal;            // key j visible to query i only when j <= i
};

// q [n,h,tq,dk], k [n,h,tk,dk], v [n,h,tk,dv] → out [n,h,tq,dv]; probs [n,h,tq,tk]
// receives the softmax weights (before dropout). `drop` (may be null) is the
// keep-mask multiplier [n,h,tq,tk].
void attention_forward(const float* q, const float* k, const float* v, const int32_t* lengths,
                       const float* drop, float* out, float* probs, const AttentionSpec& s);

void attention_backward(const float* q, const float* k, const float* v, const int32_t* lengths,
                        const float* drop, const float* probs, const float* gout, float* gq, float* gk,
                        float* gv, const AttentionSpec& s);

// The same on self-attention's packed projection: qkv [n,t,h,2·dk+dv] (per head its q, k, v
// columns), tq = tk = t → out [n,t,h,dv]; probs and drop as above. The same bits as
// slicing q, k, v out of qkv (transposed to [n,h,t,·]) and calling attention_forward.
void attention_packed_forward(const float* qkv, const int32_t* lengths, const float* drop, float* out, float* probs,
                              const AttentionSpec& s);

// Gradient with respect to qkv (every element written; +0 where the slices' sum would give +0 for −0).
void attention_packed_backward(const float* qkv, const int32_t* lengths, const float* drop, const float* probs,
                               const float* gout, float* gqkv, const AttentionSpec& s);

}  // namespace rn
