/**
 * Audio features as RETURNN's ExtractAudioFeatures computes them with librosa
 * (returnn/datasets/util/feature_extraction.py): peak normalisation, then
 *   - "log_mel_filterbank": ln(max(1e−3, mel power spectrogram)), N mels;
 *   - "mfcc": librosa mfcc (128 mels, power_to_db with top_db 80, DCT-II
 *     ortho, first N coefficients) with coefficient 0 replaced by the RMS
 *     energy of each frame, as RETURNN does.
 * STFT as librosa ≥ 0.10: n_fft = int(window_len·sr), hop = int(step_len·sr),
 * centred frames with zero padding of n_fft//2 on both sides, periodic Hann
 * window, 1 + ⌊len/hop⌋ frames; Slaney mel scale and area normalisation,
 * fmin 0, fmax sr/2. Every sum runs in float64 in a fixed order (a direct
 * DFT from a twiddle table: slower than an FFT, exact in its order), results
 * rounded to float32 once.
 */

export type FeatureKind = "mfcc" | "log_mel_filterbank";

export interface FeatureOptions {
  readonly features: FeatureKind;
  readonly numFeatureFilters: number;
  /** Seconds. */
  readonly windowLen: number;
  readonly stepLen: number;
  readonly peakNormalization: boolean;
}

/** Hz → mel on the Slaney scale (librosa hz_to_mel, htk=False). */
export function hzToMel(f: number): number {
  const fSp = 200 / 3;
  if (f < 1000) return f / fSp;
  return 1000 / fSp + Math.log(f / 1000) / (Math.log(6.4) / 27);
}

export function melToHz(m: number): number {
  const fSp = 200 / 3;
  const minLogMel = 1000 / fSp;
  if (m < minLogMel) return m * fSp;
  return 1000 * Math.exp((Math.log(6.4) / 27) * (m - minLogMel));
}

/** librosa.filters.mel(sr, n_fft, n_mels) with Slaney normalisation: [nMels][nFft/2 + 1]. */
export function melFilterbank(sampleRate: number, nFft: number, nMels: number): Float64Array[] {
  const bins = Math.floor(nFft / 2) + 1;
  const fftFreqs = Array.from({ length: bins }, (_, k) => (k * sampleRate) / nFft);
  const lo = hzToMel(0);
  const hi = hzToMel(sampleRate / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (nMels + 1)));
  return Array.from({ length: nMels }, (_, m) => {
    const w = new Float64Array(bins);
    const enorm = 2 / (melF[m + 2] - melF[m]);
    for (let k = 0; k < bins; k++) {
      const lower = (fftFreqs[k] - melF[m]) / (melF[m + 1] - melF[m]);
      const upper = (melF[m + 2] - fftFreqs[k]) / (melF[m + 2] - melF[m + 1]);
      w[k] = Math.max(0, Math.min(lower, upper)) * enorm;
    }
    return w;
  });
}

/** Centred frames of `x` (zero padding nFft//2 each side): frame t starts at t·hop of the padded signal. */
function frameCount(len: number, nFft: number, hop: number): number {
  return 1 + Math.floor((len + 2 * Math.floor(nFft / 2) - nFft) / hop);
}

/** |STFT|² with a periodic Hann window: [frames][nFft/2 + 1]. */
export function powerSpectrogram(x: Float64Array, nFft: number, hop: number): Float64Array[] {
  const pad = Math.floor(nFft / 2);
  const bins = Math.floor(nFft / 2) + 1;
  const window = Float64Array.from(
    { length: nFft },
    (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / nFft),
  );
  const cos = Float64Array.from({ length: nFft }, (_, n) => Math.cos((2 * Math.PI * n) / nFft));
  const sin = Float64Array.from({ length: nFft }, (_, n) => Math.sin((2 * Math.PI * n) / nFft));
  const frame = new Float64Array(nFft);
  return Array.from({ length: frameCount(x.length, nFft, hop) }, (_, t) => {
    for (let n = 0; n < nFft; n++) {
      const i = t * hop + n - pad;
      frame[n] = i >= 0 && i < x.length ? x[i] * window[n] : 0;
    }
    const out = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0, idx = 0; n < nFft; n++, idx = (idx + k) % nFft) {
        re += frame[n] * cos[idx];
        im -= frame[n] * sin[idx];
      }
      out[k] = re * re + im * im;
    }
    return out;
  });
}

function melPower(
  x: Float64Array,
  sampleRate: number,
  nFft: number,
  hop: number,
  nMels: number,
): Float64Array[] {
  const fb = melFilterbank(sampleRate, nFft, nMels);
  return powerSpectrogram(x, nFft, hop).map((p) =>
    Float64Array.from(fb, (w) => {
      let s = 0;
      for (let k = 0; k < p.length; k++) s += w[k] * p[k];
      return s;
    }),
  );
}

/** librosa.feature.rms with center=True, constant padding. */
function rmsEnergy(x: Float64Array, nFft: number, hop: number): Float64Array {
  const pad = Math.floor(nFft / 2);
  return Float64Array.from({ length: frameCount(x.length, nFft, hop) }, (_, t) => {
    let s = 0;
    for (let n = 0; n < nFft; n++) {
      const i = t * hop + n - pad;
      if (i >= 0 && i < x.length) s += x[i] * x[i];
    }
    return Math.sqrt(s / nFft);
  });
}

/** Features [frames · N] (row-major, float32) of mono samples in [−1, 1]. */
export function extractFeatures(
  samples: Float64Array,
  sampleRate: number,
  o: FeatureOptions,
): { frames: number; values: Float32Array } {
  let x = samples;
  if (o.peakNormalization) {
    let peak = 0;
    for (const v of x) peak = Math.max(peak, Math.abs(v));
    if (peak > 0) x = x.map((v) => v / peak);
  }
  const nFft = Math.trunc(o.windowLen * sampleRate);
  const hop = Math.trunc(o.stepLen * sampleRate);
  const N = o.numFeatureFilters;
  if (o.features === "log_mel_filterbank") {
    const mel = melPower(x, sampleRate, nFft, hop, N);
    const values = new Float32Array(mel.length * N);
    mel.forEach((row, t) => {
      row.forEach((v, m) => {
        values[t * N + m] = Math.log(Math.max(1e-3, v));
      });
    });
    return { frames: mel.length, values };
  }
  const M = 128;
  const db = melPower(x, sampleRate, nFft, hop, M).map((row) =>
    row.map((v) => 10 * Math.log10(Math.max(v, 1e-10))),
  );
  let top = Number.NEGATIVE_INFINITY;
  for (const row of db) for (const v of row) top = Math.max(top, v);
  const energy = rmsEnergy(x, nFft, hop);
  const values = new Float32Array(db.length * N);
  db.forEach((row, t) => {
    for (let j = 0; j < N; j++) {
      if (j === 0) {
        values[t * N] = energy[t];
        continue;
      }
      let s = 0;
      for (let m = 0; m < M; m++)
        s += Math.max(row[m], top - 80) * Math.cos((Math.PI * j * (2 * m + 1)) / (2 * M));
      values[t * N + j] = s * Math.sqrt(2 / M);
    }
  });
  return { frames: db.length, values };
}
