/** RIFF/WAVE decoding: mono PCM 8/16/24/32-bit or IEEE float 32/64, to float64 samples in [−1, 1] (as soundfile). */
import { ReproError } from "../../util/errors.js";

export interface Audio {
  readonly sampleRate: number;
  readonly samples: Float64Array;
}

export function decodeWav(buf: Buffer, where: string): Audio {
  const bad = (why: string): never => {
    throw new ReproError(`${where}: unreadable audio (${why})`);
  };
  if (buf.length < 12 || buf.toString("ascii", 0, 4) !== "RIFF" || buf.toString("ascii", 8, 12) !== "WAVE") {
    bad("not a RIFF/WAVE file");
  }
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let p = 12;
  while (p + 8 <= buf.length) {
    const id = buf.toString("ascii", p, p + 4);
    const body = p + 8;
    let size = buf.readUInt32LE(p + 4);
    // Streamed WAV (e.g. `espeak-ng --stdout`): a placeholder data size meaning "to the end of the file".
    if (id === "data" && size >= 0x7ffff000) size = Math.min(size, buf.length - body);
    if (body + size > buf.length) bad(`chunk "${id}" runs past the end of the file`);
    if (id === "fmt ") {
      if (size < 16) bad("fmt chunk too short");
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 26) format = buf.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      if (!fmt) bad("data chunk before fmt chunk");
      const f = fmt!;
      if (f.channels !== 1) bad(`${f.channels} channels; only mono is supported`);
      const bytes = f.bits / 8;
      const n = Math.floor(size / bytes);
      const s = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const at = body + i * bytes;
        if (f.format === 1 && f.bits === 16) s[i] = buf.readInt16LE(at) / 32768;
        else if (f.format === 1 && f.bits === 8) s[i] = (buf.readUInt8(at) - 128) / 128;
        else if (f.format === 1 && f.bits === 24) s[i] = buf.readIntLE(at, 3) / 8388608;
        else if (f.format === 1 && f.bits === 32) s[i] = buf.readInt32LE(at) / 2147483648;
        else if (f.format === 3 && f.bits === 32) s[i] = buf.readFloatLE(at);
        else if (f.format === 3 && f.bits === 64) s[i] = buf.readDoubleLE(at);
        else bad(`sample format ${f.format} with ${f.bits} bits is not supported`);
      }
      return { sampleRate: f.rate, samples: s };
    }
    p = body + size + (size & 1);
  }
  return bad("no data chunk");
}

/** A mono 16-bit PCM WAV file of `samples` (scaled by 32768 as readers divide, clipped). */
export function encodeWav(samples: ArrayLike<number>, sampleRate: number): Buffer {
  const n = samples.length;
  const buf = Buffer.alloc(44 + 2 * n);
  buf.write("RIFF", 0, "ascii");
  buf.writeUInt32LE(36 + 2 * n, 4);
  buf.write("WAVEfmt ", 8, "ascii");
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36, "ascii");
  buf.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++)
    buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), 44 + 2 * i);
  return buf;
}
