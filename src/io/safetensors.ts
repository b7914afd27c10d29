import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic.js";
import { didYouMean, ReproError } from "../util/errors.js";

/**
 * The safetensors weight format (https://github.com/huggingface/safetensors): an
 * 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON header, then the
 * tensor data, little-endian, row-major. Offsets in the header are relative to the
 * start of the data region, which the tensors must cover exactly (no gaps, no
 * overlaps, no trailing bytes).
 *
 * Supported dtypes, for reading and writing: F64, F32, I64, I32, U8, BOOL.
 * - I64 is read as a BigInt64Array rather than rejected or narrowed to numbers:
 *   lossless, and callers that want numbers convert knowingly.
 * - BOOL is a Uint8Array holding only 0 or 1; any other byte is corruption.
 * Other spec dtypes (F16, BF16, I8, ...) are rejected with a message saying so.
 * Unknown fields in a tensor entry are ignored, as the reference reader does. A
 * duplicated header key cannot be seen through JSON.parse (the last one wins); the
 * coverage check still catches the gap the lost entry leaves.
 *
 * Encoding is deterministic: tensors in name order (plain `<` comparison, so UTF-16
 * code units), header keys in that order with `__metadata__` first (omitted when
 * empty), metadata keys sorted, compact JSON padded with spaces so that the data
 * starts at a multiple of 8. Identical input gives identical bytes.
 */

type DataOf = {
  F64: Float64Array;
  F32: Float32Array;
  I64: BigInt64Array;
  I32: Int32Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
};
export type Dtype = keyof DataOf;
/** One tensor; `dtype` decides the typed-array class of `data` and its element size. */
export type NamedTensor = { [D in Dtype]: { dtype: D; shape: readonly number[]; data: DataOf[D] } }[Dtype];

type ArrayClass = abstract new (...args: never[]) => ArrayBufferView;
const DTYPES: Record<Dtype, { size: number; make: (buf: ArrayBuffer) => DataOf[Dtype]; cls: ArrayClass }> = {
  F64: { size: 8, make: (b) => new Float64Array(b), cls: Float64Array },
  F32: { size: 4, make: (b) => new Float32Array(b), cls: Float32Array },
  I64: { size: 8, make: (b) => new BigInt64Array(b), cls: BigInt64Array },
  I32: { size: 4, make: (b) => new Int32Array(b), cls: Int32Array },
  U8: { size: 1, make: (b) => new Uint8Array(b), cls: Uint8Array },
  BOOL: { size: 1, make: (b) => new Uint8Array(b), cls: Uint8Array },
};
const SUPPORTED = Object.keys(DTYPES).sort();
/** Valid in the spec, but not something repronet reads: a distinct message from a typo. */
const SPEC_ONLY = new Set(["F16", "BF16", "F8_E4M3", "F8_E5M2", "I8", "I16", "U16", "U32", "U64", "C64"]);
/** The reference implementation's limit; a larger header is corruption, not a model. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = "__metadata__";
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Reverses each `size`-byte element in place: only used on big-endian hosts. */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (HOST_LE || size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serializes tensors and string metadata to safetensors bytes (see the module comment for the order). */
export function encodeSafetensors(
  tensors: Record<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort(byName);
  const entries: string[] = [];
  const metaKeys = Object.keys(metadata).sort(byName);
  if (metaKeys.length > 0) {
    for (const k of metaKeys) {
      if (typeof metadata[k] !== "string")
        throw new ReproError(`safetensors: metadata "${k}" must be a string, got ${typeof metadata[k]}`);
    }
    const body = metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(",");
    entries.push(`${JSON.stringify(METADATA_KEY)}:{${body}}`);
  }
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const name of names) {
    const t = tensors[name];
    if (name === METADATA_KEY)
      throw new ReproError(`safetensors: "${METADATA_KEY}" is reserved, not a tensor name`);
    if (!Object.hasOwn(DTYPES, t.dtype))
      throw new ReproError(`safetensors: tensor "${name}": cannot write dtype ${t.dtype}`);
    const info = DTYPES[t.dtype];
    if (!(t.data instanceof info.cls))
      throw new ReproError(`safetensors: tensor "${name}": dtype ${t.dtype} needs a ${info.cls.name}`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new ReproError(`safetensors: tensor "${name}": bad shape [${t.shape.join(",")}]`);
    if (numel(t.shape) !== t.data.length)
      throw new ReproError(
        `safetensors: tensor "${name}": shape [${t.shape.join(",")}] has ${numel(t.shape)} elements, data has ${t.data.length}`,
      );
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    if (t.dtype === "BOOL" && bytes.some((b) => b > 1))
      throw new ReproError(`safetensors: tensor "${name}": BOOL data must be 0 or 1`);
    const end = offset + bytes.length;
    entries.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`,
    );
    chunks.push(bytes);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${entries.join(",")}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen); // space padding, as the spec asks
  let at = 8 + headerLen;
  names.forEach((name, i) => {
    out.set(chunks[i], at);
    swapBytes(out.subarray(at, at + chunks[i].length), DTYPES[tensors[name].dtype].size);
    at += chunks[i].length;
  });
  return out;
}

type Entry = { name: string; dtype: Dtype; shape: number[]; begin: number; end: number };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isDim = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Checks one header entry's dtype, shape and offsets against each other (not yet against the file). */
function parseEntry(source: string, name: string, raw: unknown): Entry {
  const fail = (what: string) => new ReproError(`${source}: tensor "${name}": ${what}`);
  if (!isRecord(raw)) throw fail("header entry is not an object");
  const { dtype, shape, data_offsets: offs } = raw;
  if (typeof dtype !== "string") throw fail("missing dtype");
  if (!Object.hasOwn(DTYPES, dtype)) {
    if (SPEC_ONLY.has(dtype))
      throw fail(`dtype ${dtype} is not supported (supported: ${SUPPORTED.join(", ")})`);
    throw fail(`unknown dtype "${dtype}"${didYouMean(dtype, SUPPORTED)}`);
  }
  if (!Array.isArray(shape) || !shape.every(isDim)) throw fail(`bad shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isDim) || offs[0] > offs[1])
    throw fail(`bad data_offsets ${JSON.stringify(offs)}`);
  const want = numel(shape) * DTYPES[dtype as Dtype].size;
  if (!Number.isSafeInteger(want)) throw fail(`shape [${shape.join(",")}] is too large`);
  if (offs[1] - offs[0] !== want)
    throw fail(
      `size mismatch: ${dtype} [${shape.join(",")}] needs ${want} bytes, data_offsets [${offs[0]},${offs[1]}] span ${offs[1] - offs[0]}`,
    );
  return { name, dtype: dtype as Dtype, shape, begin: offs[0], end: offs[1] };
}

/** Reads and validates the header: returns the entries and metadata, and where the data region starts. */
function parseHeader(bytes: Uint8Array, source: string) {
  if (bytes.length < 8)
    throw new ReproError(
      `${source}: truncated: ${bytes.length} bytes, too short for the 8-byte header length`,
    );
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8))
    throw new ReproError(
      `${source}: truncated: header says ${n} bytes of header, file has ${bytes.length - 8}`,
    );
  if (n > MAX_HEADER_BYTES)
    throw new ReproError(`${source}: header of ${n} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch (e) {
    throw new ReproError(`${source}: header is not valid UTF-8 JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!isRecord(header)) throw new ReproError(`${source}: header is not a JSON object`);
  const metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key !== METADATA_KEY) {
      entries.push(parseEntry(source, key, value));
      continue;
    }
    if (!isRecord(value)) throw new ReproError(`${source}: ${METADATA_KEY} is not an object`);
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== "string") throw new ReproError(`${source}: metadata "${k}" is not a string`);
      metadata.push([k, v]);
    }
  }
  return { entries, metadata, headerEnd };
}

/** Checks that the entries tile the data region exactly: the spec allows no gaps, overlaps or trailing bytes. */
function checkCoverage(entries: Entry[], dataLen: number, source: string): void {
  const maxEnd = entries.reduce((m, e) => Math.max(m, e.end), 0);
  if (maxEnd > dataLen)
    throw new ReproError(`${source}: truncated: header says ${maxEnd} bytes of data, file has ${dataLen}`);
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end || byName(a.name, b.name));
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin > cursor)
      throw new ReproError(`${source}: gap: bytes ${cursor}..${e.begin} of data belong to no tensor`);
    if (e.begin < cursor)
      throw new ReproError(`${source}: tensor "${e.name}" overlaps another tensor at data byte ${e.begin}`);
    cursor = e.end;
  }
  if (cursor < dataLen)
    throw new ReproError(`${source}: ${dataLen - cursor} trailing bytes after the last tensor's data`);
}

/**
 * Parses and fully validates safetensors bytes. Every problem throws a ReproError
 * naming `source`. Tensor data is copied into fresh, aligned typed arrays, so the
 * result does not alias `bytes`.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = "<buffer>",
): { tensors: Record<string, NamedTensor>; metadata: Record<string, string> } {
  const { entries, metadata, headerEnd } = parseHeader(bytes, source);
  checkCoverage(entries, bytes.length - headerEnd, source);
  // Object.fromEntries defines own properties, so names like "__proto__" stay data.
  const tensors = entries.map((e): [string, NamedTensor] => {
    const { size, make } = DTYPES[e.dtype];
    // Not bytes.slice(): on a Buffer (what readFileSync returns) that is a view, not a copy.
    const copy = new Uint8Array(bytes.subarray(headerEnd + e.begin, headerEnd + e.end));
    swapBytes(copy, size);
    if (e.dtype === "BOOL" && copy.some((b) => b > 1))
      throw new ReproError(`${source}: tensor "${e.name}": BOOL data holds a byte other than 0 or 1`);
    return [e.name, { dtype: e.dtype, shape: e.shape, data: make(copy.buffer) } as NamedTensor];
  });
  return { tensors: Object.fromEntries(tensors), metadata: Object.fromEntries(metadata) };
}

/** Writes a safetensors file atomically: readers see the old file or the complete new one. */
export function writeSafetensors(
  path: string,
  tensors: Record<string, NamedTensor>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads and validates a safetensors file; errors name `path`. */
export function readSafetensors(path: string): ReturnType<typeof decodeSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ReproError(`${path}: no such file`);
    throw new ReproError(`${path}: cannot read (${code ?? (e as Error).message})`);
  }
  return decodeSafetensors(bytes, path);
}
