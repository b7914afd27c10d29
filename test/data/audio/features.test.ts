import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { extractFeatures, hzToMel, melToHz, powerSpectrogram } from "../../../src/data/audio/features.js";

const sr = 16000;
const twoTone = () =>
  Float64Array.from(
    { length: Math.trunc(0.3 * sr) },
    (_, i) =>
      0.5 * Math.sin((2 * Math.PI * 440 * i) / sr) + 0.2 * Math.sin((2 * Math.PI * 1800 * i) / sr + 0.3),
  );
const opts = { windowLen: 0.025, stepLen: 0.01, peakNormalization: true };

test("features match an independent numpy implementation of librosa's (test/fixtures/audio)", () => {
  const ref = JSON.parse(readFileSync("test/fixtures/audio/tone-features.json", "utf8")) as Record<
    string,
    number[][]
  > & {
    frames: number[];
  };
  for (const [kind, N, key] of [
    ["log_mel_filterbank", 40, "log_mel_filterbank_40"],
    ["mfcc", 13, "mfcc_13"],
  ] as const) {
    const f = extractFeatures(twoTone(), sr, { ...opts, features: kind, numFeatureFilters: N });
    assert.equal(f.frames, 31); // 1 + ⌊4800 / 160⌋
    ref.frames.forEach((t, r) => {
      ref[key][r].forEach((v, j) => {
        const got = f.values[t * N + j];
        assert.ok(
          Math.abs(got - v) <= 1e-6 * (1 + Math.abs(v)),
          `${kind} frame ${t} coeff ${j}: ${got} vs ${v}`,
        );
      });
    });
  }
});

test("a tone centred on an FFT bin puts its power in that bin (hand-derived: (A·N/4)² with a Hann window)", () => {
  const nFft = 400;
  const k = 22; // 880 Hz
  const x = Float64Array.from({ length: 4000 }, (_, i) => Math.cos((2 * Math.PI * k * i) / nFft));
  const p = powerSpectrogram(x, nFft, 160)[10];
  assert.ok(Math.abs(p[k] - (nFft / 4) ** 2) < 1e-6 * (nFft / 4) ** 2);
  assert.ok(p[k + 3] < 1e-12 * p[k]);
});

test("mfcc coefficient 0 is the RMS energy: A/√2 for a peak-normalised sine", () => {
  const x = Float64Array.from({ length: 3200 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 500 * i) / sr));
  const f = extractFeatures(x, sr, { ...opts, features: "mfcc", numFeatureFilters: 13 });
  assert.ok(Math.abs(f.values[10 * 13] - Math.SQRT1_2) < 1e-4);
});

test("the Slaney mel scale is linear below 1 kHz and inverts exactly", () => {
  assert.equal(hzToMel(600), 9);
  assert.ok(Math.abs(hzToMel(1000) - 15) < 1e-12);
  for (const f of [0, 300, 1000, 4321, 8000]) assert.ok(Math.abs(melToHz(hzToMel(f)) - f) < 1e-9);
});
