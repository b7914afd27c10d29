// Philox4x32-10 (Random123), the counter-based generator of src/rng/philox.ts:
// word w of a stream is lane (w mod 4) of the block whose counter is
// (block mod 2^32, floor(block / 2^32), word2, word3), block = floor(w / 4).
// Every word is a pure function of its position, so any split is exact.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "isa.h"
#include "kernels.h"
#include "pool.h"

namespace rn {

typedef void (*PhiloxGroupFn)(uint64_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t*);
// philox_simd.cc: 16 (AVX-512) or 8 (AVX2) blocks per call; null when not compiled in.
PhiloxGroupFn philox_group_avx512();
PhiloxGroupFn philox_group_avx2();

namespace {

inline void philox_block(uint32_t c[4], uint32_t k0, uint32_t k1) {
  const uint32_t M0 = 0xd2511f53u, M1 = 0xcd9e8d57u, W0 = 0x9e3779b9u, W1 = 0xbb67ae85u;
  for (int r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += W0;
      k1 += W1;
    }
    const uint64_t p0 = uint64_t(c[0]) * M0;
    const uint64_t p1 = uint64_t(c[2]) * M1;
    const uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0);
    const uint32_t hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
    const uint32_t n0 = hi1 ^ c[1] ^ k0;
    const uint32_t n2 = hi0 ^ c[3] ^ k1;
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
  }
}

}  // namespace

namespace {

// 16 consecutive blocks at once, structure-of-arrays, so the compiler can
// vectorise the rounds (the same arithmetic as philox_block, lane by lane):
// the "generic" path, for the baseline instruction set.
constexpr int G = 16;

void philox_group(uint64_t block0, uint32_t word2, uint32_t word3, uint32_t k0, uint32_t k1, uint32_t* out) {
  const uint32_t M0 = 0xd2511f53u, M1 = 0xcd9e8d57u, W0 = 0x9e3779b9u, W1 = 0xbb67ae85u;
  uint32_t c0[G], c1[G], c2[G], c3[G];
  for (int g = 0; g < G; g++) {
    const uint64_t b = block0 + g;
    c0[g] = static_cast<uint32_t>(b);
    c1[g] = static_cast<uint32_t>(b >> 32);
    c2[g] = word2;
    c3[g] = word3;
  }
  for (int r = 0; r < 10; r++) {
    for (int g = 0; g < G; g++) {
      const uint64_t p0 = uint64_t(c0[g]) * M0;
      const uint64_t p1 = uint64_t(c2[g]) * M1;
      const uint32_t n0 = uint32_t(p1 >> 32) ^ c1[g] ^ k0;
      const uint32_t n2 = uint32_t(p0 >> 32) ^ c3[g] ^ k1;
      c1[g] = uint32_t(p1);
      c3[g] = uint32_t(p0);
      c0[g] = n0;
      c2[g] = n2;
    }
    k0 += W0;
    k1 += W1;
  }
  for (int g = 0; g < G; g++) {
    out[4 * g] = c0[g];
    out[4 * g + 1] = c1[g];
    out[4 * g + 2] = c2[g];
    out[4 * g + 3] = c3[g];
  }
}

struct Group {
  PhiloxGroupFn fn;
  int64_t words;  // words per call (4 per block)
};

// The group function of the active ISA (isa.h; set_isa checked the CPU).
Group group() {
  const Isa isa = active_isa();
  if (isa == Isa::Avx512) {
    if (PhiloxGroupFn f = philox_group_avx512()) return Group{f, 64};
  }
  if (isa == Isa::Avx512 || isa == Isa::Avx2) {
    if (PhiloxGroupFn f = philox_group_avx2()) return Group{f, 32};
  }
  return Group{philox_group, 4 * G};
}

}  // namespace

namespace {

// Words first .. first+count-1 into out, on this thread.
void fill_words(const Group& gr, uint32_t k0, uint32_t k1, uint32_t word2, uint32_t word3, uint64_t w,
                uint32_t* out, int64_t count) {
  int64_t i = 0;
  while (i < count) {
    if (w % 4 == 0 && count - i >= gr.words) {
      gr.fn(w / 4, word2, word3, k0, k1, out + i);
      i += gr.words;
      w += gr.words;
      continue;
    }
    const uint64_t block = w / 4;
    const int lane = static_cast<int>(w % 4);
    uint32_t c[4] = {static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), word2, word3};
    philox_block(c, k0, k1);
    for (int j = lane; j < 4 && i < count; j++, i++, w++) out[i] = c[j];
  }
}

}  // namespace

void philox_words(uint32_t k0, uint32_t k1, uint32_t word2, uint32_t word3, uint64_t first, uint32_t* out,
                  int64_t count) {
  // Tasks of 8192 words, aligned to the output (independent of the thread count).
  const Group gr = group();
  parallel_range(count, 8192, [&](int64_t lo, int64_t hi) {
    fill_words(gr, k0, k1, word2, word3, first + static_cast<uint64_t>(lo), out + lo, hi - lo);
  });
}

void dropout_mask(uint32_t k0, uint32_t k1, uint32_t word2, uint32_t word3, uint64_t first, double rate,
                  float* out, int64_t count) {
  const float scale = static_cast<float>(1.0 / (1.0 - rate));
  // u = m·2^-24 with m = word >> 8 an integer, and rate·2^24 is exact in double, so
  // u >= rate  <=>  m >= ceil(rate·2^24): an integer comparison.
  const int32_t threshold = static_cast<int32_t>(std::ceil(rate * 16777216.0));
  // Tasks of 8192 elements (independent of the thread count); words are made 1024 at a time.
  uint32_t scaleBits;
  std::memcpy(&scaleBits, &scale, 4);
  const Group gr = group();
  parallel_range(count, 8192, [&](int64_t lo, int64_t hi) {
    alignas(64) uint32_t words[1024];
    for (int64_t i = lo; i < hi; i += 1024) {
      const int64_t n = std::min<int64_t>(1024, hi - i);
      fill_words(gr, k0, k1, word2, word3, first + static_cast<uint64_t>(i), words, n);
      // The float bits of scale or +0, selected without a branch (vectorises).
      for (int64_t j = 0; j < n; j++)
        words[j] = (static_cast<int32_t>(words[j] >> 8) >= threshold ? ~0u : 0u) & scaleBits;
      std::memcpy(out + i, words, static_cast<size_t>(n) * 4);
    }
  });
}

}  // namespace rn
