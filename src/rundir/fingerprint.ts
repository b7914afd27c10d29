import { createHash, type Hash } from "node:crypto";
import { ReproError } from "../util/errors.js";

/**
 * Parameter fingerprint: one digest that says whether two models hold bit-identical
 * parameters. The definition is a compatibility promise (digests are compared across
 * runs, machines and versions), so changing it needs a new prefix, not a silent edit:
 *
 * - Parameters are sorted by full name with plain `<` comparison (UTF-16 code
 *   units); names matching `exclude` are left out. Input order never matters.
 * - `digest` is `sha256:` + lowercase hex of SHA-256 over, for each parameter in
 *   that order: the UTF-8 bytes of the name, a 0x00 byte, the shape as decimal
 *   dims joined by "," (empty for a scalar), a 0x00 byte, then the data as
 *   float32 little-endian bytes.
 * - Each `perParam` digest is the same construction over that parameter alone.
 * - The raw bits are hashed: +0 and -0 differ, and so do NaNs with different
 *   payloads. With no parameters left, the digest is SHA-256 of no bytes.
 *
 * The name and shape are hashed, not just the data, so a renamed parameter or a
 * transposed shape with the same numbers ([2,3] vs [3,2]) changes the digest.
 */

export type ParamLike = { shape: readonly number[]; data: Float32Array };
export type ParamDigest = { name: string; shape: number[]; digest: string };
export type Fingerprint = { digest: string; perParam: ParamDigest[] };

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const ZERO = new Uint8Array([0]);

/** The data's float32 little-endian bytes, without a copy on little-endian hosts. */
function leBytes(data: Float32Array): Uint8Array {
  if (HOST_LE) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

function feed(hashes: Hash[], name: string, shape: readonly number[], data: Float32Array): void {
  const parts = [Buffer.from(name, "utf8"), ZERO, Buffer.from(shape.join(","), "utf8"), ZERO, leBytes(data)];
  for (const h of hashes) for (const p of parts) h.update(p);
}

/** Fingerprints parameters by name, shape and exact float32 bits (see the module comment). */
export function fingerprintParams(
  params: Iterable<[name: string, param: ParamLike]>,
  opts: { exclude?: RegExp } = {},
): Fingerprint {
  // A /g or /y regex keeps lastIndex between test() calls and would skip matches.
  const exclude = opts.exclude && new RegExp(opts.exclude.source, opts.exclude.flags.replace(/[gy]/g, ""));
  const kept = [...params].filter(([name]) => !exclude?.test(name));
  kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const total = createHash("sha256");
  const perParam: ParamDigest[] = [];
  kept.forEach(([name, { shape, data }], i) => {
    if (i > 0 && kept[i - 1][0] === name)
      throw new ReproError(`fingerprint: duplicate parameter name "${name}"`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || n !== data.length)
      throw new ReproError(
        `fingerprint: parameter "${name}": shape ${formatShape(shape)} does not fit ${data.length} values`,
      );
    const own = createHash("sha256");
    feed([total, own], name, shape, data);
    perParam.push({ name, shape: [...shape], digest: `sha256:${own.digest("hex")}` });
  });
  return { digest: `sha256:${total.digest("hex")}`, perParam };
}

/** `[32,64]`; `[]` for a scalar. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** One `--per-param` line: `<name> <shape> sha256:<hex>`. */
export function formatParamDigest(p: ParamDigest): string {
  return `${p.name} ${formatShape(p.shape)} ${p.digest}`;
}
