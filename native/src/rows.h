// Row gathers and scatters for the fused attention kernels: one head's rows
// of a [batch, time, heads, d] layout (row i at base + i·stride) to and from
// a contiguous [rows, d] slice. Pure copies: no arithmetic touches the values.
#pragma once

#include <cstdint>
#include <cstring>

namespace rn {

// src rows → dst [rows, d]; rows ≥ len become 0 (the composed ops' `where` on padded frames).
inline void gather_rows(const float* src, int64_t stride, float* dst, int64_t rows, int64_t d, int64_t len) {
  for (int64_t i = 0; i < rows; i++) {
    if (i < len) std::memcpy(dst + i * d, src + i * stride, sizeof(float) * d);
    else std::memset(dst + i * d, 0, sizeof(float) * d);
  }
}

// src [rows, d] → dst rows; rows ≥ len get 0.
inline void scatter_rows(const float* src, float* dst, int64_t stride, int64_t rows, int64_t d, int64_t len) {
  for (int64_t i = 0; i < rows; i++) {
    if (i < len) std::memcpy(dst + i * stride, src + i * d, sizeof(float) * d);
    else std::memset(dst + i * stride, 0, sizeof(float) * d);
  }
}

}  // namespace rn
