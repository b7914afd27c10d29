/**
 * A SentencePiece-style BPE subword model: raw text in, label ids out, and
 * back to exactly the same raw text.
 *
 * Ids: `</s>` = 0 (end of sequence), `<unk>` = 1, then with byte fallback the
 * 256 byte symbols `<0x00>`..`<0xFF>` (ids 2..257), then the characters seen
 * in training (most frequent first, ties by code point; `▁` always among
 * them), then each merge's result in merge order (a result already in the
 * vocabulary keeps its id).
 *
 * Encoding: the text is cut into units (`segment.ts`), each unit starts as
 * its characters, and the adjacent pair with the lowest merge rank is merged
 * (leftmost first) until no pair has a rank — the same segmentation learning
 * produced. A character outside the vocabulary (and a literal `▁` in the
 * text) becomes its UTF-8 bytes with byte fallback, `<unk>` without it.
 *
 * Reversibility: `decode(encode(t)) === t` for every well-formed string with
 * byte fallback, and for every string of training characters without it.
 */
import { ReproError } from "../util/errors.js";
import { compareCodePoints, isWellFormed, META, segment } from "./segment.js";

export const EOS = "</s>";
export const UNK = "<unk>";
export const EOS_ID = 0;
export const UNK_ID = 1;
/** What `<unk>` decodes to (U+2047, as SentencePiece). */
export const UNK_TEXT = "\u2047";
const FIRST_BYTE_ID = 2;

/** Options stored with a model: they change how text is encoded. */
export interface BpeOptions {
  /** Unknown characters become UTF-8 byte symbols (every input reversible) instead of `<unk>`. */
  readonly byteFallback: boolean;
  /** No subword crosses a change between letters, digits and other characters. */
  readonly splitClasses: boolean;
}

/** What defines a model: options, the characters and the merges (pairs of pieces), in rank order. */
export interface BpeDefinition extends BpeOptions {
  /** Single code points, in id order; must include `▁`. */
  readonly chars: readonly string[];
  readonly merges: readonly (readonly [string, string])[];
}

/** Symbol ids below 2^26 make `left · 2^26 + right` an exact pair key. */
const PAIR_SHIFT = 2 ** 26;
const pairKey = (left: number, right: number): number => left * PAIR_SHIFT + right;

const bytePiece = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
const utf8Encoder = new TextEncoder();
/** Byte runs that are not valid UTF-8 (only a model's own output can make them) decode to U+FFFD. */
const lenientUtf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

const CACHE_LIMIT = 1 << 16;

export class BpeModel implements BpeDefinition {
  readonly byteFallback: boolean;
  readonly splitClasses: boolean;
  readonly chars: readonly string[];
  readonly merges: readonly (readonly [string, string])[];
  /** Id → piece (specials, byte symbols, characters, merged pieces). */
  readonly pieces: readonly string[];
  private readonly textIds = new Map<string, number>();
  /** Pair key → merge rank and result id. */
  private readonly ranks = new Map<number, { rank: number; id: number }>();
  private readonly cache = new Map<string, readonly number[]>();

  /** Builds a model; `where` names its origin in errors (a vocab file). */
  constructor(def: BpeDefinition, where = "BPE model") {
    this.byteFallback = def.byteFallback;
    this.splitClasses = def.splitClasses;
    this.chars = [...def.chars];
    this.merges = def.merges.map(([a, b]) => [a, b] as const);
    const pieces = [EOS, UNK];
    if (this.byteFallback) for (let b = 0; b < 256; b++) pieces.push(bytePiece(b));
    for (const c of this.chars) {
      if ([...c].length !== 1 || c === " ") {
        throw new ReproError(`${where}: ${JSON.stringify(c)} is not a single non-space character`);
      }
      if (this.textIds.has(c)) throw new ReproError(`${where}: character ${JSON.stringify(c)} listed twice`);
      this.textIds.set(c, pieces.length);
      pieces.push(c);
    }
    if (!this.textIds.has(META)) throw new ReproError(`${where}: the characters must include "${META}"`);
    this.merges.forEach(([a, b], rank) => {
      const left = this.textIds.get(a);
      const right = this.textIds.get(b);
      const what = `${where}: merge ${rank + 1} ${JSON.stringify([a, b])}`;
      if (left === undefined || right === undefined) {
        throw new ReproError(`${what}: ${JSON.stringify(left === undefined ? a : b)} is no earlier piece`);
      }
      const key = pairKey(left, right);
      if (this.ranks.has(key)) throw new ReproError(`${what}: the pair is listed twice`);
      let id = this.textIds.get(a + b);
      if (id === undefined) {
        id = pieces.length;
        this.textIds.set(a + b, id);
        pieces.push(a + b);
      }
      this.ranks.set(key, { rank, id });
    });
    if (pieces.length >= PAIR_SHIFT) throw new ReproError(`${where}: too many pieces (${pieces.length})`);
    this.pieces = pieces;
  }

  /** Number of ids (the `dim` of a sparse data key). */
  get size(): number {
    return this.pieces.length;
  }

  /** The id of a text piece (a character or merged piece), or undefined. */
  idOf(piece: string): number | undefined {
    return this.textIds.get(piece);
  }

  /** True for the 256 byte-fallback ids. */
  isByte(id: number): boolean {
    return this.byteFallback && id >= FIRST_BYTE_ID && id < FIRST_BYTE_ID + 256;
  }

  /** Raw text → ids (no `</s>` appended). Throws for lone UTF-16 surrogates, which have no UTF-8 form. */
  encode(text: string): number[] {
    if (!isWellFormed(text)) throw new ReproError("cannot encode text with a lone UTF-16 surrogate");
    const out: number[] = [];
    segment(text, this.splitClasses, {
      known: (c) => this.textIds.has(c),
      onUnit: (unit) => {
        for (const id of this.encodeUnit(unit)) out.push(id);
      },
      onUnknown: (c) => {
        if (!this.byteFallback) out.push(UNK_ID);
        else for (const b of utf8Encoder.encode(c)) out.push(FIRST_BYTE_ID + b);
      },
    });
    return out;
  }

  /** Raw text → pieces (for inspection; ids are the canonical form). */
  encodePieces(text: string): string[] {
    return this.encode(text).map((id) => this.pieces[id]);
  }

  /**
   * Ids → raw text. `</s>` ends the sequence (later ids are ignored), `<unk>`
   * becomes `⁇`, `▁` a space, byte runs their UTF-8 text (U+FFFD where they
   * are not valid UTF-8), and the dummy space of the first piece is dropped.
   */
  decode(ids: Iterable<number>): string {
    let out = "";
    let bytes: number[] = [];
    let first = true;
    const flushBytes = () => {
      if (bytes.length === 0) return;
      out += lenientUtf8.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const id of ids) {
      if (id === EOS_ID) break;
      if (!Number.isInteger(id) || id < 0 || id >= this.pieces.length) {
        throw new ReproError(`id ${id} is out of range [0, ${this.pieces.length})`);
      }
      if (this.isByte(id)) {
        bytes.push(id - FIRST_BYTE_ID);
        first = false;
        continue;
      }
      flushBytes();
      if (id === UNK_ID) out += UNK_TEXT;
      else {
        let piece = this.pieces[id];
        if (first && piece.startsWith(META)) piece = piece.slice(META.length);
        out += piece.replaceAll(META, " ");
      }
      first = false;
    }
    flushBytes();
    return out;
  }

  /** Pieces (as `encodePieces` prints them) → ids; an unknown piece is an error naming it. */
  idsOfPieces(pieces: readonly string[]): number[] {
    return pieces.map((p) => {
      const id = this.pieceIds().get(p);
      if (id === undefined) throw new ReproError(`unknown piece ${JSON.stringify(p)}`);
      return id;
    });
  }

  private allPieceIds?: Map<string, number>;

  /** Every piece string → its first id (specials and byte symbols first). */
  private pieceIds(): Map<string, number> {
    if (!this.allPieceIds) {
      this.allPieceIds = new Map();
      this.pieces.forEach((p, id) => {
        if (!this.allPieceIds!.has(p)) this.allPieceIds!.set(p, id);
      });
    }
    return this.allPieceIds;
  }

  /** Applies the merges to one unit by rank, leftmost first. */
  private encodeUnit(unit: string): readonly number[] {
    const hit = this.cache.get(unit);
    if (hit) return hit;
    const syms = Array.from(unit, (c) => this.textIds.get(c)!);
    for (;;) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      let bestId = 0;
      for (let i = 0; i + 1 < syms.length; i++) {
        const m = this.ranks.get(pairKey(syms[i], syms[i + 1]));
        if (m !== undefined && m.rank < bestRank) {
          best = i;
          bestRank = m.rank;
          bestId = m.id;
        }
      }
      if (best < 0) break;
      syms.splice(best, 2, bestId);
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(unit, syms);
    return syms;
  }

  /** The definition as plain data (what a vocab file stores). */
  definition(): BpeDefinition {
    return {
      byteFallback: this.byteFallback,
      splitClasses: this.splitClasses,
      chars: this.chars,
      merges: this.merges,
    };
  }
}

/** Sorts characters by count, most frequent first, ties by code point (the id order of `learnBpe`). */
export function orderChars(counts: ReadonlyMap<string, number>): string[] {
  return [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || compareCodePoints(a, b));
}
