/**
 * Reads an audio file by its content, as RETURNN's soundfile.read does (the
 * name's extension does not matter): RIFF/WAVE (./wav.ts) or Ogg Vorbis
 * (./ogg.ts), mono. Other formats are a one-line error saying what they are.
 */
import { ReproError } from "../../util/errors.js";
import { decodeOgg } from "./ogg.js";
import { type Audio, decodeWav } from "./wav.js";

/** Formats soundfile reads and we do not, by their first bytes. */
const UNSUPPORTED: readonly [string, string][] = [
  ["fLaC", "FLAC"],
  ["ID3", "MP3"],
  ["FORM", "AIFF"],
  [".snd", "AU"],
];

export function decodeAudio(buf: Buffer, where: string): Audio {
  const magic = buf.toString("latin1", 0, 4);
  if (magic === "RIFF") return decodeWav(buf, where);
  if (magic === "OggS") return decodeOgg(buf, where);
  const known = UNSUPPORTED.find(([m]) => magic.startsWith(m))?.[1];
  const what = known ? `${known} audio` : "neither a WAV nor an Ogg file";
  throw new ReproError(`${where}: unreadable audio (${what}; WAV and Ogg Vorbis are supported)`);
}
