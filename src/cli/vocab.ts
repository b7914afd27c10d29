/**
 * `repronet vocab`: SentencePiece-style BPE subword vocabularies.
 *
 *   repronet vocab learn --merges N --out FILE TEXT...   (plain or .gz; several files = one joint vocab)
 *   repronet vocab encode --vocab FILE [--pieces] < text > ids
 *   repronet vocab decode --vocab FILE [--pieces] < ids > text
 *
 * encode writes one line of space-separated ids (or pieces) per input line;
 * decode reads that back into the exact text. Progress goes to stderr, and
 * only when stderr is a terminal.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { decodeTextLines, readTextLines } from "../data/text/lines.js";
import { ReproError } from "../util/errors.js";
import type { BpeModel } from "../vocab/bpe.js";
import { loadBpe, saveBpe } from "../vocab/file.js";
import { learnBpe } from "../vocab/learn.js";

/** Where the command reads and writes (tests pass their own). */
export interface VocabIo {
  readonly stdin: () => Uint8Array;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Show progress on stderr. */
  readonly progress: boolean;
}

let quietOnClosedPipe = false;

/** Writes to stdout; a reader that stops early (`| head`) ends the output quietly instead of crashing. */
function writeStdout(text: string): void {
  if (!quietOnClosedPipe) {
    quietOnClosedPipe = true;
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
    });
  }
  process.stdout.write(text);
}

const defaultIo: VocabIo = {
  stdin: () => readFileSync(0),
  stdout: writeStdout,
  stderr: (t) => process.stderr.write(t),
  progress: process.stderr.isTTY === true,
};

function intArg(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new ReproError(`${name} must be an integer >= ${min}, got "${value}"`);
    }
    return n;
  };
}

/** A progress line rewritten in place at most every 200 ms (display only; results never depend on it). */
function progressLine(io: VocabIo): { update: (text: string) => void; done: () => void } {
  if (!io.progress) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update: (text) => {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      shown = true;
      io.stderr(`\r${text}\x1b[K`);
    },
    done: () => {
      if (shown) io.stderr("\r\x1b[K");
    },
  };
}

interface LearnOptions {
  merges: number;
  out: string;
  minFrequency: number;
  byteFallback: boolean;
  splitClasses: boolean;
}

function learn(files: string[], o: LearnOptions, io: VocabIo): void {
  const progress = progressLine(io);
  const lines: string[] = [];
  for (const file of files) {
    progress.update(`vocab learn: reading ${file}`);
    for (const line of readTextLines(file)) lines.push(line);
  }
  const start = Date.now();
  const model = learnBpe(lines, o.merges, {
    minFrequency: o.minFrequency,
    byteFallback: o.byteFallback,
    splitClasses: o.splitClasses,
    onProgress: (done, total) => progress.update(`vocab learn: ${done}/${total} merges`),
  });
  progress.done();
  saveBpe(model, o.out);
  const learned = model.merges.length;
  const shortBy =
    learned < o.merges ? ` (no further pair occurs ${o.minFrequency} times; ${o.merges} requested)` : "";
  io.stdout(
    `${o.out}: ${learned} merges${shortBy}, ${model.size} ids (${model.chars.length} characters` +
      `${model.byteFallback ? ", 256 bytes" : ""}), ${lines.length} lines, ${((Date.now() - start) / 1000).toFixed(1)} s\n`,
  );
}

function encode(vocab: BpeModel, pieces: boolean, io: VocabIo): void {
  const lines = decodeTextLines(io.stdin(), "<stdin>");
  const out = lines.map((line, i) => {
    try {
      return pieces ? vocab.encodePieces(line).join(" ") : vocab.encode(line).join(" ");
    } catch (e) {
      if (e instanceof ReproError) throw new ReproError(`<stdin>:${i + 1}: ${e.message}`);
      throw e;
    }
  });
  io.stdout(out.map((l) => `${l}\n`).join(""));
}

function decode(vocab: BpeModel, pieces: boolean, io: VocabIo): void {
  const lines = decodeTextLines(io.stdin(), "<stdin>");
  const out = lines.map((line, i) => {
    try {
      if (line === "") return "";
      if (pieces) return vocab.decode(vocab.idsOfPieces(line.split(" ")));
      const ids = line
        .trim()
        .split(/[ \t]+/)
        .map((w) => {
          if (!/^\d+$/.test(w)) throw new ReproError(`"${w}" is not an id`);
          return Number(w);
        });
      return vocab.decode(ids);
    } catch (e) {
      if (e instanceof ReproError) throw new ReproError(`<stdin>:${i + 1}: ${e.message}`);
      throw e;
    }
  });
  io.stdout(out.map((l) => `${l}\n`).join(""));
}

export function registerVocab(program: Command, io: VocabIo = defaultIo): void {
  const vocab = program
    .command("vocab")
    .description("learn and apply SentencePiece-style BPE subword vocabularies (exactly reversible)");
  vocab
    .command("learn")
    .description("learn BPE merges jointly over text files (plain or gzip) and write a vocab file")
    .argument("<text...>", "training text, one sentence per line (plain or .gz)")
    .requiredOption("--merges <n>", "number of merges to learn", intArg("--merges", 0))
    .requiredOption("--out <file>", "vocab file to write (JSON)")
    .option("--min-frequency <n>", "stop when no pair occurs this often", intArg("--min-frequency", 1), 2)
    .option("--no-byte-fallback", "unknown characters become <unk> instead of UTF-8 byte symbols")
    .option("--no-split-classes", "let subwords mix letters, digits and punctuation")
    .action((files: string[], o: LearnOptions) => learn(files, o, io));
  vocab
    .command("encode")
    .description("text on stdin → one line of space-separated ids per line on stdout")
    .requiredOption("--vocab <file>", "vocab file from `repronet vocab learn`")
    .option("--pieces", "write pieces instead of ids")
    .action((o: { vocab: string; pieces?: boolean }) => encode(loadBpe(o.vocab), o.pieces === true, io));
  vocab
    .command("decode")
    .description("ids (or pieces) on stdin, one sequence per line → the text on stdout")
    .requiredOption("--vocab <file>", "vocab file from `repronet vocab learn`")
    .option("--pieces", "read pieces instead of ids")
    .action((o: { vocab: string; pieces?: boolean }) => decode(loadBpe(o.vocab), o.pieces === true, io));
}
