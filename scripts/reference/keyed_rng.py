#!/usr/bin/env python3
"""Independent reference for the keyed RNG's pinned constants (test/rng/keyed.test.ts,
test/layers/linear.test.ts), written from the definitions, not from src/rng:

- Philox4x32-10 as in Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"
  (SC'11) and Random123: multipliers 0xD2511F53, 0xCD9E8D57, Weyl key increments
  0x9E3779B9, 0xBB67AE85; checked here against Random123's known-answer vectors
  (test/fixtures/philox4x32-10-kat.txt) before anything is printed.
- The key of (seed, name): the first two little-endian 32-bit words of
  SHA-256("repronet/rng\\0" + seed + "\\0" + name) (the documented derivation).
- Word w of a stream (key, subsequence s): lane w mod 4 of the block with counter
  (floor(w/4) mod 2^32, floor(w/4) / 2^32, attempt 0, s).
- synthetic data (src/data/synthetic.ts's documented scheme): sequence i uses the
  stream "synthetic/i"; word 0 picks the length, word k >= 1 token k-1, each pick
  of n choices being floor(word * n / 2^32).
- uniform: (word >> 8) * 2^-24; uniformRange: lo + (hi - lo) * uniform, rounded
  once to float32; glorot_uniform: uniformRange(-l, l), l = sqrt(6 / (fan_in + fan_out)).
- normal: Box-Muller in float64 on the word pair (2p, 2p+1): u1 = (w[2p] + 1) * 2^-32,
  u2 = (w[2p+1] + 1) * 2^-32, r = sqrt(-2 ln u1); element 2p is r cos(2 pi u2), element
  2p+1 r sin(2 pi u2); mean + std * z rounded once to float32.
- truncated normal: element i's draw with |z| >= 2 is replaced by element i of the
  normal stream at attempt 1, 2, ... (counter word 2), the first with |z| < 2.
  Python's math.log/cos/sin come from the C library, V8's from its own port of
  fdlibm: an independent check of those too (float32 results are compared exactly).

Prints one JSON object; test/rng/reference.test.ts compares it with the pinned
constants whenever python3 is available.
"""
import hashlib
import json
import math
import os
import struct
import sys

M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox4x32_10(ctr, key):
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for _ in range(10):
        p0 = M0 * c0
        p1 = M1 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0) & MASK, p1 & MASK, ((p0 >> 32) ^ c3 ^ k1) & MASK, p0 & MASK
        k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
    return [c0, c1, c2, c3]


def check_kat(path):
    n = 0
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0].startswith("#") or parts[:2] != ["philox4x32", "10"]:
                continue
            words = [int(x, 16) for x in parts[2:]]
            got = philox4x32_10(words[0:4], words[4:6])
            if got != words[6:10]:
                sys.exit(f"Philox known-answer vector failed: {line.strip()}")
            n += 1
    if n == 0:
        sys.exit("no known-answer vectors found")


def derive_key(seed, name):
    d = hashlib.sha256(f"repronet/rng\0{seed}\0{name}".encode("utf-8")).digest()
    return struct.unpack("<II", d[:8])


def words(seed, name, n, subsequence=0, offset=0, attempt=0):
    key = derive_key(seed, name)
    out = []
    for w in range(offset, offset + n):
        block = w // 4
        out.append(philox4x32_10([block & MASK, block >> 32, attempt, subsequence], key)[w % 4])
    return out


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def uniform(ws):
    return [f32((w >> 8) * 2.0**-24) for w in ws]


def glorot_uniform(seed, name, fan_in, fan_out):
    limit = math.sqrt(3 * (1 / ((fan_in + fan_out) / 2)))
    return [f32(-limit + 2 * limit * ((w >> 8) * 2.0**-24)) for w in words(seed, name, fan_in * fan_out)]


def standard_normal(seed, name, i, attempt=0):
    w1, w2 = words(seed, name, 2, offset=2 * (i // 2), attempt=attempt)
    r = math.sqrt(-2 * math.log((w1 + 1) * 2.0**-32))
    theta = 2 * math.pi * ((w2 + 1) * 2.0**-32)
    return r * math.cos(theta) if i % 2 == 0 else r * math.sin(theta)


def normal(seed, name, n, mean, std):
    return [f32(mean + std * standard_normal(seed, name, i)) for i in range(n)]


def truncated_normal(seed, name, n, mean, std):
    out = []
    for i in range(n):
        attempt, z = 0, standard_normal(seed, name, i)
        while not abs(z) < 2:
            attempt += 1
            z = standard_normal(seed, name, i, attempt)
        out.append(f32(mean + std * z))
    return out


def synthetic_source(seed, i, vocab_size, min_len, max_len):
    """Sequence i of the synthetic dataset: word 0 picks the length, words 1.. the tokens."""
    pick = lambda w, n: (w * n) >> 32
    name = f"synthetic/{i}"
    length = min_len + pick(words(seed, name, 1)[0], max_len - min_len + 1)
    return [1 + pick(w, vocab_size - 1) for w in words(seed, name, length, offset=1)]


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    check_kat(os.path.join(root, "test", "fixtures", "philox4x32-10-kat.txt"))
    print(
        json.dumps(
            {
                "key_7_output_W": list(derive_key(7, "output/W")),
                "uint32_7_output_W_4": words(7, "output/W", 4),
                "uniform_7_output_W_4": uniform(words(7, "output/W", 4)),
                "uint32_7_output_W_sub3_2": words(7, "output/W", 2, subsequence=3),
                "uint32_7_output_W_at_2e34": words(7, "output/W", 3, offset=2**34 + 1),
                "glorot_7_output_dec_01_att_query0_W_2x3": glorot_uniform(7, "output/dec_01_att_query0/W", 2, 3),
                "normal_7_output_W_64_mean1_std2": normal(7, "output/W", 64, 1, 2),
                "truncated_normal_7_output_W_64": truncated_normal(7, "output/W", 64, 0, 1),
                "synthetic_seed1_v24_len3to10_first3": [synthetic_source(1, i, 24, 3, 10) for i in range(3)],
            }
        )
    )


if __name__ == "__main__":
    main()
