/**
 * A small synchronous zip reader and writer (stored or deflated entries, no
 * zip64, no encryption) — datasets are read synchronously (`Dataset.get`), so
 * an async reader such as yauzl does not fit. Every entry's CRC-32 is checked;
 * anything malformed is a ReproError naming the archive (and entry).
 */
import { readFileSync } from "node:fs";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { ReproError } from "../../util/errors.js";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Entry {
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

/** The entries of a zip file, read on demand from one in-memory copy. */
export class ZipArchive {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly buf: Buffer,
    readonly file: string,
  ) {
    const bad = (why: string): never => {
      throw new ReproError(`${file}: not a readable zip archive (${why})`);
    };
    let eocd = -1;
    for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
      if (buf.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) bad("no end-of-central-directory record");
    const count = buf.readUInt16LE(eocd + 10);
    let p = buf.readUInt32LE(eocd + 16);
    for (let k = 0; k < count; k++) {
      if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50)
        bad(`central directory entry ${k + 1} is damaged`);
      const nameLen = buf.readUInt16LE(p + 28);
      const name = buf.toString("utf8", p + 46, p + 46 + nameLen);
      this.entries.set(name, {
        method: buf.readUInt16LE(p + 10),
        crc: buf.readUInt32LE(p + 16),
        compressedSize: buf.readUInt32LE(p + 20),
        size: buf.readUInt32LE(p + 24),
        localOffset: buf.readUInt32LE(p + 42),
      });
      p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    }
  }

  static open(file: string): ZipArchive {
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (e) {
      throw new ReproError(`cannot read zip file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    return new ZipArchive(buf, file);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The entry's bytes, checked against its CRC-32. */
  read(name: string): Buffer {
    const e = this.entries.get(name);
    const where = `${this.file}: entry ${name}`;
    if (!e) throw new ReproError(`${where} is missing`);
    const b = this.buf;
    if (e.localOffset + 30 > b.length || b.readUInt32LE(e.localOffset) !== 0x04034b50) {
      throw new ReproError(`${where}: damaged local header`);
    }
    const start =
      e.localOffset + 30 + b.readUInt16LE(e.localOffset + 26) + b.readUInt16LE(e.localOffset + 28);
    const raw = b.subarray(start, start + e.compressedSize);
    let data: Buffer;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch {
        throw new ReproError(`${where}: corrupt deflate data`);
      }
    } else throw new ReproError(`${where}: unsupported compression method ${e.method}`);
    if (data.length !== e.size || crc32(data) !== e.crc)
      throw new ReproError(`${where}: CRC or size mismatch (corrupt archive)`);
    return data;
  }
}

/** A zip archive holding `entries` (deflated when that is smaller), in the given order. */
export function writeZip(entries: readonly { name: string; data: Uint8Array }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBuf = Buffer.from(name, "utf8");
    const deflated = deflateRawSync(data);
    const store = deflated.length >= data.length;
    const body = store ? Buffer.from(data) : deflated;
    const crc = crc32(data);
    // The central record repeats the local header's fields from "version needed" on, 2 bytes later.
    const fields = (buf: Buffer, at: number) => {
      buf.writeUInt16LE(20, at); // version needed to extract (2.0)
      buf.writeUInt16LE(store ? 0 : 8, at + 4);
      buf.writeUInt32LE(crc, at + 10);
      buf.writeUInt32LE(body.length, at + 14);
      buf.writeUInt32LE(data.length, at + 18);
      buf.writeUInt16LE(nameBuf.length, at + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    fields(central, 6);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
