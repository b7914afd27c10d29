// Fused decoder cross-attention as a Transformer config composes it from
// layers: `dot` (energies) → `softmax_over_spatial` (× energy_factor, masked
// over the encoder frames) → `dropout` → `generic_attention`. It reproduces,
// bit for bit, what those layers compute on the native kernels
// (src/network/fuse-attention.ts): padded frames zeroed first (where), energies
// as float32 FMA chains (gemm.h), × float(factor), masked keys set to −1e30,
// softmax in double, the dropout multiplier, weights of padded frames zeroed,
// weights · values as FMA chains. The backward pass retraces the same chain.
#pragma once

#include <cstdint>

namespace rn {

struct CrossAttentionSpec {
  int64_t b, h, tq, tk, dk, dv;
  double factor;  // energy_factor, rounded to float before use
};

// The layers' own layouts: q [b,tq,h,dk] (the decoder's loop axis second),
// k [b,tk,h,dk], v [b,tk,h,dv] → out [b,tq,h,dv]; drop (may be null) is the
// dropout multiplier [b,tq,h,tk] (the weights' layout). qlen/klen: valid
// decoder / encoder frames per batch entry. probs [b,h,tq,tk] receives the
// softmax weights (before dropout) for the backward pass.
void cross_attention_forward(const float* q, const float* k, const float* v, const int32_t* qlen,
                             const int32_t* klen, const float* drop, float* out, float* probs,
                             const CrossAttentionSpec& s);

// Gradients with respect to q, k and v (written, not accumulated; 0 on padded frames).
void cross_attention_backward(const float* q, const float* k, const float* v, const int32_t* qlen,
                              const int32_t* klen, const float* drop, const float* probs, const float* gout,
                              float* gq, float* gk, float* gv, const CrossAttentionSpec& s);

}  // namespace rn
