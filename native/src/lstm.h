// LSTM over a padded batch, forward and backward (RETURNN's NativeLstm2 cell,
// gate blocks [j, i, f, o]). Semantics and arithmetic: src/kernels/js/lstm.ts.
// Per step, the recurrent product goes through sgemm (its per-element FMA chain
// is fixed, gemm.h); the cell update splits batch × cells over the pool, each
// element computed by one thread in float64 and rounded once, so results are
// bitwise identical for any thread count.
#pragma once

#include <cstdint>

namespace rn {

struct LstmSpec {
  int64_t b, t, n;
  bool backward;  // steps T-1 … 0
};

void lstm_forward(const float* xp, const float* w_re, const float* c0, const float* h0, const int32_t* lengths,
                  float* y, float* cells, float* gates, float* h_prev, float* c_last, float* h_last,
                  const LstmSpec& s);

// dc_last / dh_last may be null (no gradient for the final state).
void lstm_backward(const float* w_re, const float* c0, const int32_t* lengths, const float* cells,
                   const float* gates, const float* h_prev, const float* dy, const float* dc_last,
                   const float* dh_last, float* dxp, float* dw_re, float* dc0, float* dh0, const LstmSpec& s);

}  // namespace rn
