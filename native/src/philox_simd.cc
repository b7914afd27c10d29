// Philox4x32-10 on whole groups of blocks with AVX-512 (16 blocks) or AVX2
// (8 blocks): the arithmetic of philox_block in random.cc, lane by lane, with
// the words written in stream order. Compiled for the ISA by target pragmas
// (no STL here, so no ISA-specific code leaks into shared inline functions);
// called only after a runtime CPU check.
#include <cstdint>

namespace rn {

typedef void (*PhiloxGroupFn)(uint64_t block0, uint32_t word2, uint32_t word3, uint32_t k0, uint32_t k1,
                              uint32_t* out);

}  // namespace rn

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>  // before any target pragma: each intrinsic keeps its own target

// GCC 12 warns about the deliberately undefined operand of some AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#pragma GCC push_options
#pragma GCC target("avx512f,avx2")

namespace rn {
namespace {

// Vector lane j = 4l + x (l: 128-bit lane, x: position in it) runs block 4x + l, so
// that after the in-lane 4×4 transposes the four vectors hold blocks 0-3, 4-7, 8-11, 12-15.
void philox16_avx512(uint64_t block0, uint32_t word2, uint32_t word3, uint32_t k0, uint32_t k1, uint32_t* out) {
  alignas(64) uint32_t lo[16], hi[16];
  for (int j = 0; j < 16; j++) {
    const uint64_t b = block0 + static_cast<uint64_t>(4 * (j % 4) + j / 4);
    lo[j] = static_cast<uint32_t>(b);
    hi[j] = static_cast<uint32_t>(b >> 32);
  }
  __m512i c0 = _mm512_load_si512(lo), c1 = _mm512_load_si512(hi);
  __m512i c2 = _mm512_set1_epi32(static_cast<int>(word2)), c3 = _mm512_set1_epi32(static_cast<int>(word3));
  const __m512i M0 = _mm512_set1_epi32(static_cast<int>(0xd2511f53u));
  const __m512i M1 = _mm512_set1_epi32(static_cast<int>(0xcd9e8d57u));
  const __mmask16 odd = 0xAAAA;
  for (int r = 0; r < 10; r++) {
    const __m512i key0 = _mm512_set1_epi32(static_cast<int>(k0)), key1 = _mm512_set1_epi32(static_cast<int>(k1));
    const __m512i e0 = _mm512_mul_epu32(c0, M0), o0 = _mm512_mul_epu32(_mm512_srli_epi64(c0, 32), M0);
    const __m512i e1 = _mm512_mul_epu32(c2, M1), o1 = _mm512_mul_epu32(_mm512_srli_epi64(c2, 32), M1);
    const __m512i hi0 = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(e0, 32), o0);
    const __m512i lo0 = _mm512_mask_blend_epi32(odd, e0, _mm512_slli_epi64(o0, 32));
    const __m512i hi1 = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(e1, 32), o1);
    const __m512i lo1 = _mm512_mask_blend_epi32(odd, e1, _mm512_slli_epi64(o1, 32));
    const __m512i n0 = _mm512_xor_si512(_mm512_xor_si512(hi1, c1), key0);
    const __m512i n2 = _mm512_xor_si512(_mm512_xor_si512(hi0, c3), key1);
    c1 = lo1;
    c3 = lo0;
    c0 = n0;
    c2 = n2;
    k0 += 0x9e3779b9u;
    k1 += 0xbb67ae85u;
  }
  const __m512i t0 = _mm512_unpacklo_epi32(c0, c1), t1 = _mm512_unpacklo_epi32(c2, c3);
  const __m512i t2 = _mm512_unpackhi_epi32(c0, c1), t3 = _mm512_unpackhi_epi32(c2, c3);
  _mm512_storeu_si512(out, _mm512_unpacklo_epi64(t0, t1));
  _mm512_storeu_si512(out + 16, _mm512_unpackhi_epi64(t0, t1));
  _mm512_storeu_si512(out + 32, _mm512_unpacklo_epi64(t2, t3));
  _mm512_storeu_si512(out + 48, _mm512_unpackhi_epi64(t2, t3));
}

}  // namespace

PhiloxGroupFn philox_group_avx512() { return philox16_avx512; }

}  // namespace rn
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2")

namespace rn {
namespace {

// 8 blocks: vector lane j = 4l + x runs block 2x + l.
void philox8_avx2(uint64_t block0, uint32_t word2, uint32_t word3, uint32_t k0, uint32_t k1, uint32_t* out) {
  alignas(32) uint32_t lo[8], hi[8];
  for (int j = 0; j < 8; j++) {
    const uint64_t b = block0 + static_cast<uint64_t>(2 * (j % 4) + j / 4);
    lo[j] = static_cast<uint32_t>(b);
    hi[j] = static_cast<uint32_t>(b >> 32);
  }
  __m256i c0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(lo));
  __m256i c1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(hi));
  __m256i c2 = _mm256_set1_epi32(static_cast<int>(word2)), c3 = _mm256_set1_epi32(static_cast<int>(word3));
  const __m256i M0 = _mm256_set1_epi32(static_cast<int>(0xd2511f53u));
  const __m256i M1 = _mm256_set1_epi32(static_cast<int>(0xcd9e8d57u));
  for (int r = 0; r < 10; r++) {
    const __m256i key0 = _mm256_set1_epi32(static_cast<int>(k0)), key1 = _mm256_set1_epi32(static_cast<int>(k1));
    const __m256i e0 = _mm256_mul_epu32(c0, M0), o0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), M0);
    const __m256i e1 = _mm256_mul_epu32(c2, M1), o1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), M1);
    const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
    const __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
    const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
    const __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
    const __m256i n0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), key0);
    const __m256i n2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), key1);
    c1 = lo1;
    c3 = lo0;
    c0 = n0;
    c2 = n2;
    k0 += 0x9e3779b9u;
    k1 += 0xbb67ae85u;
  }
  const __m256i t0 = _mm256_unpacklo_epi32(c0, c1), t1 = _mm256_unpacklo_epi32(c2, c3);
  const __m256i t2 = _mm256_unpackhi_epi32(c0, c1), t3 = _mm256_unpackhi_epi32(c2, c3);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_unpacklo_epi64(t0, t1));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), _mm256_unpackhi_epi64(t0, t1));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16), _mm256_unpacklo_epi64(t2, t3));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 24), _mm256_unpackhi_epi64(t2, t3));
}

}  // namespace

PhiloxGroupFn philox_group_avx2() { return philox8_avx2; }

}  // namespace rn
#pragma GCC pop_options

#else
namespace rn {
PhiloxGroupFn philox_group_avx512() { return nullptr; }
PhiloxGroupFn philox_group_avx2() { return nullptr; }
}  // namespace rn
#endif
