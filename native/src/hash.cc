// hashBlocks: the bulk step of the per-step fingerprints, the arithmetic of
// src/kernels/js/hash.ts word for word. Blocks have a fixed size and are
// independent, so which thread hashes a block never changes a digest.
#include <algorithm>
#include <cstdint>

#include "kernels.h"
#include "pool.h"

namespace rn {

namespace {

constexpr int64_t HASH_BLOCK = int64_t(1) << 16;
constexpr int LANES = 8;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define RN_HASH_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), noinline))
#else
#define RN_HASH_CLONES
#endif

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

RN_HASH_CLONES void block_digest(const uint32_t* w, int64_t len, uint32_t* out) {
  uint32_t h[LANES];
  for (int j = 0; j < LANES; j++) h[j] = 0x9747b28cu + uint32_t(j) * 0x85ebca6bu;
  const int64_t full = len - len % LANES;
  for (int64_t i = 0; i < full; i += LANES)
    for (int j = 0; j < LANES; j++) h[j] = rotl(h[j] ^ w[i + j], 13) * 0x9e3779b1u;
  for (int64_t i = full; i < len; i++) h[i - full] = rotl(h[i - full] ^ w[i], 13) * 0x9e3779b1u;
  uint32_t a = uint32_t(len);
  uint32_t b = ~uint32_t(len);
  for (int j = 0; j < LANES; j++) {
    a = rotl(a ^ h[j], 13) * 5u + 0xe6546b64u;
    b = rotl(b ^ (h[j] * uint32_t(2 * j + 1)), 17) * 9u + 0x38495ab5u;
  }
  out[0] = fmix32(a);
  out[1] = fmix32(b ^ a);
}

}  // namespace

void hash_blocks(const uint32_t* words, int64_t n, uint32_t* out) {
  const int64_t blocks = (n + HASH_BLOCK - 1) / HASH_BLOCK;
  parallel_for(blocks, [&](int64_t b) {
    const int64_t start = b * HASH_BLOCK;
    block_digest(words + start, std::min(HASH_BLOCK, n - start), out + 2 * b);
  });
}

}  // namespace rn
