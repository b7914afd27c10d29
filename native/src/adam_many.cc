// Multi-tensor Adam: one pool dispatch per optimizer step instead of one per
// parameter. Each tensor is cut into fixed chunks (their bounds depend only on
// the tensor sizes, never on the thread count), and every element gets
// exactly `adam`'s arithmetic (adam_range), so the result is the same bits as
// calling `adam` on each tensor.
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace rn {

namespace {
constexpr int64_t kChunk = 1 << 16;  // elements per task: memory-bound work, few large tasks

struct Chunk {
  int64_t tensor, lo, hi;
};
}  // namespace

void adam_many(const AdamTensor* tensors, int64_t count, const AdamStep& o) {
  std::vector<Chunk> chunks;
  for (int64_t t = 0; t < count; t++)
    for (int64_t lo = 0; lo < tensors[t].n; lo += kChunk)
      chunks.push_back({t, lo, std::min(tensors[t].n, lo + kChunk)});
  parallel_for(static_cast<int64_t>(chunks.size()), [&](int64_t c) {
    const Chunk& k = chunks[c];
    const AdamTensor& x = tensors[k.tensor];
    adam_range(x.p, x.g, x.m, x.v, k.lo, k.hi, o);
  });
}

}  // namespace rn
