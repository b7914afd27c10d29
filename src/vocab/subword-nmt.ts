/**
 * subword-nmt BPE as RETURNN applies it to targets (returnn/util/bpe.py,
 * StandardBytePairEncoder; Sennrich et al. 2016): a codes file of merges
 * (`a b` per line, optionally after `#version: 0.2`), applied word by word,
 * lowest-ranked adjacent pair first; every piece but a word's last carries
 * "@@". With a vocabulary, a piece outside it is split back along its merges
 * until the parts are in it (or cannot be split). Words starting with `$`
 * (and a following `{...}` group) pass unchanged, as in RETURNN.
 */
import { ReproError } from "../util/errors.js";

export const BPE_SEPARATOR = "@@";
const END = "</w>";
const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

export class SubwordNmtBpe {
  private readonly version: "0.1" | "0.2";
  /** Merge rank by pair; the first of duplicate lines counts (as RETURNN). */
  private readonly ranks = new Map<string, number>();
  /** A merge's result → the pair it came from (for splitting pieces outside the vocabulary). */
  private readonly reverse = new Map<string, readonly [string, string]>();
  private readonly cache = new Map<string, readonly string[]>();

  constructor(
    codes: string,
    where: string,
    private readonly labels?: ReadonlySet<string>,
  ) {
    const lines = codes.split(/\r\n|\n|\r/);
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    if (lines[0]?.startsWith("#version:")) {
      const v = (lines[0].trim().split(/\s+/).pop() ?? "").replace(/(\.0+)*$/, "");
      if (v !== "0.1" && v !== "0.2")
        throw new ReproError(`${where}: BPE codes version "${v}" is not supported (0.1, 0.2)`);
      this.version = v;
    } else {
      this.version = "0.1";
    }
    // RETURNN reads every line as a pair, the version line included; only pairs can ever merge.
    lines.forEach((line, rank) => {
      const parts = line.trim().split(/\s+/);
      if (parts.length !== 2) return;
      const key = pairKey(parts[0], parts[1]);
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
      const merged = parts[0] + parts[1];
      const first = this.reverse.get(merged);
      if (!first || this.ranks.get(pairKey(first[0], first[1]))! > rank)
        this.reverse.set(merged, [parts[0], parts[1]]);
    });
  }

  /** The pieces of a whitespace-tokenised sentence; non-final pieces of a word end in "@@". */
  segmentSentence(sentence: string): string[] {
    const out: string[] = [];
    let category = false;
    let skip = false;
    for (const word of sentence.split(/\s+/).filter((w) => w !== "")) {
      if (word[0] === "$" && word.length > 1) {
        category = true;
        out.push(word);
      } else if (category && word[0] === "{") {
        skip = true;
        out.push(word);
      } else if (skip && word[0] !== "}") {
        out.push(word);
      } else {
        category = false;
        skip = false;
        const pieces = this.encodeWord(word);
        for (const p of pieces.slice(0, -1)) out.push(p + BPE_SEPARATOR);
        out.push(pieces[pieces.length - 1]);
      }
    }
    return out;
  }

  /** One word's pieces (without separators). */
  encodeWord(orig: string): readonly string[] {
    const cached = this.cache.get(orig);
    if (cached) return cached;
    const chars = Array.from(orig);
    let word =
      this.version === "0.1" ? [...chars, END] : [...chars.slice(0, -1), `${chars[chars.length - 1]}${END}`];
    if (word.length < 2) return [orig];
    while (true) {
      let best: [string, string] | null = null;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i + 1 < word.length; i++) {
        const r = this.ranks.get(pairKey(word[i], word[i + 1]));
        if (r !== undefined && r < bestRank) [best, bestRank] = [[word[i], word[i + 1]], r];
      }
      if (!best) break;
      const merged: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (word[i] === best[0] && i < word.length - 1 && word[i + 1] === best[1]) {
          merged.push(best[0] + best[1]);
          i += 2;
        } else merged.push(word[i++]);
      }
      word = merged;
      if (word.length === 1) break;
    }
    const last = word[word.length - 1];
    if (last === END) word = word.slice(0, -1);
    else if (last.endsWith(END)) word = [...word.slice(0, -1), last.replaceAll(END, "")];
    const pieces = this.labels ? this.inVocabulary(word) : word;
    this.cache.set(orig, pieces);
    return pieces;
  }

  /** Pieces outside the vocabulary split back along their merges (RETURNN _check_vocab_and_split). */
  private inVocabulary(pieces: readonly string[]): string[] {
    const vocab = this.labels!;
    const out: string[] = [];
    pieces.forEach((p, i) => {
      const final = i === pieces.length - 1;
      if (vocab.has(final ? p : p + BPE_SEPARATOR)) out.push(p);
      else out.push(...this.split(p, final));
    });
    return out;
  }

  private split(piece: string, final: boolean): string[] {
    const vocab = this.labels!;
    const pair = final ? this.reverse.get(piece + END) : this.reverse.get(piece);
    if (!pair) return [piece];
    const left = pair[0];
    const right = final ? pair[1].slice(0, -END.length) : pair[1];
    const out = vocab.has(left + BPE_SEPARATOR) ? [left] : this.split(left, false);
    const rightOk = final ? vocab.has(right) : vocab.has(right + BPE_SEPARATOR);
    return [...out, ...(rightOk ? [right] : this.split(right, final))];
  }
}

/** Label sequence → text: pieces joined by spaces, "@@ " removed (RETURNN's BytePairEncoding labels). */
export function joinBpePieces(pieces: readonly string[]): string {
  return pieces.join(" ").replaceAll(`${BPE_SEPARATOR} `, "");
}
