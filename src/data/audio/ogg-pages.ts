/**
 * Checks an Ogg file's pages (RFC 3533) before it is decoded, so that a
 * damaged, truncated or non-Vorbis file is one clear error instead of
 * silently shorter or garbled audio (the decoder skips what it cannot parse):
 * every page is whole, carries the "OggS" capture pattern, version 0, the
 * stream's one serial number and the next sequence number, and its CRC
 * matches; the first page starts the stream and the last one ends it. The
 * first packet names the codec; for Vorbis its identification header gives
 * the channel count and the sample rate.
 */

/** The Ogg CRC-32: polynomial 0x04c11db7, MSB first, initial value 0, no final xor. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC of `page` with its checksum field (bytes 22–25) taken as zero. */
export function oggPageCrc(page: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < page.length; i++) {
    const byte = i >= 22 && i < 26 ? 0 : page[i];
    c = (c << 8) ^ CRC_TABLE[((c >>> 24) ^ byte) & 0xff];
  }
  return c >>> 0;
}

const FLAG_BEGIN = 0x02;
const FLAG_END = 0x04;

/** Codecs an Ogg stream may hold, recognised by their first packet. */
const CODECS: readonly [string, string][] = [
  ["\x01vorbis", "Vorbis"],
  ["OpusHead", "Opus"],
  ["\x7fFLAC", "FLAC"],
  ["Speex   ", "Speex"],
  ["\x80theora", "Theora"],
];

export interface OggVorbisInfo {
  readonly channels: number;
  readonly sampleRate: number;
  /** The last page's granule position: the stream's length in samples when it starts at 0. */
  readonly lastGranule: number;
}

/** Validates the Ogg Vorbis file `buf`; `bad(why)` throws the caller's error. */
export function checkOggVorbis(buf: Buffer, bad: (why: string) => never): OggVorbisInfo {
  let p = 0;
  let page = 0;
  let serial = 0;
  let lastGranule = 0;
  let flags = 0;
  let firstPacket: Buffer | null = null;
  while (p < buf.length) {
    page++;
    if (flags & FLAG_END)
      bad(`${buf.length - p} bytes after the end of the stream (chained Ogg streams are not supported)`);
    if (buf.length - p < 27) bad(`truncated: page ${page} header runs past the end of the file`);
    if (buf.toString("latin1", p, p + 4) !== "OggS")
      bad(`page ${page} at byte ${p}: no "OggS" capture pattern (damaged data)`);
    if (buf[p + 4] !== 0) bad(`page ${page}: unknown Ogg version ${buf[p + 4]}`);
    flags = buf[p + 5];
    const segments = buf[p + 26];
    const bodyStart = p + 27 + segments;
    if (bodyStart > buf.length) bad(`truncated: page ${page} header runs past the end of the file`);
    let bodyLen = 0;
    for (let s = 0; s < segments; s++) bodyLen += buf[p + 27 + s];
    const end = bodyStart + bodyLen;
    if (end > buf.length) bad(`truncated: page ${page} runs past the end of the file`);
    if (oggPageCrc(buf.subarray(p, end)) !== buf.readUInt32LE(p + 22))
      bad(`page ${page}: CRC mismatch (damaged data)`);
    if (page === 1) {
      if (!(flags & FLAG_BEGIN)) bad("the first page does not begin a stream");
      serial = buf.readUInt32LE(p + 14);
      // The first packet is whole on the first page (identification headers are small).
      firstPacket = buf.subarray(bodyStart, end);
    } else if (buf.readUInt32LE(p + 14) !== serial) {
      bad("several logical streams (multiplexed Ogg) are not supported");
    }
    if (buf.readUInt32LE(p + 18) !== page - 1) bad(`page ${page}: out of sequence (a page is missing)`);
    const granule = buf.readBigInt64LE(p + 6);
    if (granule >= 0n) lastGranule = Number(granule);
    p = end;
  }
  if (page === 0) bad("empty file");
  if (!(flags & FLAG_END)) bad("truncated: the last page does not end the stream");
  const head = firstPacket as Buffer;
  const codec = CODECS.find(([magic]) => head.toString("latin1", 0, magic.length) === magic)?.[1];
  if (codec !== "Vorbis") {
    bad(`the Ogg stream holds ${codec ?? "an unknown codec"}, not Vorbis; WAV and Ogg Vorbis are supported`);
  }
  if (head.length < 30) bad("Vorbis identification header too short");
  return { channels: head[11], sampleRate: head.readUInt32LE(12), lastGranule };
}
