// CTC loss and its gradient with respect to the logits; semantics of
// src/kernels/js/ctc.ts (the reference), one sequence per task.
#pragma once

#include <cstdint>

namespace rn {

void ctc_loss(const float* logits, const int32_t* labels, const int32_t* input_lengths,
              const int32_t* label_lengths, int64_t batch, int64_t time, int64_t classes, int64_t max_labels,
              int64_t blank, float* loss, float* grad);

}  // namespace rn
