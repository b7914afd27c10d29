import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedStream } from "../../src/rng/keyed.js";
import { bpeToJson, compareCodePoints, learnBpe } from "../../src/vocab/index.js";
import { segment } from "../../src/vocab/segment.js";

/** Units of a line, in order (the segmentation learning and encoding share). */
function unitsOf(line: string, splitClasses: boolean): string[] {
  const out: string[] = [];
  segment(line, splitClasses, { known: () => true, onUnit: (u) => out.push(u), onUnknown: () => {} });
  return out;
}

/** The textbook algorithm: recount every pair after every merge. */
function naiveLearn(lines: string[], numMerges: number, minFrequency: number, splitClasses: boolean) {
  const counts = new Map<string, number>();
  for (const line of lines)
    for (const u of unitsOf(line, splitClasses)) counts.set(u, (counts.get(u) ?? 0) + 1);
  const words = new Map<string, string[]>([...counts.keys()].map((u) => [u, [...u]]));
  const merges: [string, string][] = [];
  const done = new Set<string>();
  while (merges.length < numMerges) {
    const pairs = new Map<string, { left: string; right: string; count: number }>();
    for (const [u, w] of words) {
      for (let i = 0; i + 1 < w.length; i++) {
        const key = JSON.stringify([w[i], w[i + 1]]);
        const p = pairs.get(key) ?? { left: w[i], right: w[i + 1], count: 0 };
        p.count += counts.get(u)!;
        pairs.set(key, p);
      }
    }
    const best = [...pairs.entries()]
      .filter(([k]) => !done.has(k))
      .map(([, p]) => p)
      .sort(
        (a, b) =>
          b.count - a.count || compareCodePoints(a.left, b.left) || compareCodePoints(a.right, b.right),
      )[0];
    if (!best || best.count < minFrequency) break;
    done.add(JSON.stringify([best.left, best.right]));
    merges.push([best.left, best.right]);
    for (const [u, w] of words) {
      const out: string[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === best.left && w[i + 1] === best.right) {
          out.push(best.left + best.right);
          i++;
        } else out.push(w[i]);
      }
      words.set(u, out);
    }
  }
  return { merges, words };
}

/** Deterministic random lines over a small alphabet, so pairs repeat and counts tie often. */
function randomLines(seed: number, n: number, alphabet: string[]): string[] {
  const words = new KeyedStream(seed, "learn-test").uint32(n * 40);
  let k = 0;
  const next = (m: number) => words[k++] % m;
  return Array.from({ length: n }, () => {
    let line = "";
    const len = 1 + next(30);
    for (let i = 0; i < len; i++) line += alphabet[next(alphabet.length)];
    return line;
  });
}

const ALPHABET = ["a", "b", "a", "b", "c", " ", " ", ".", "1", "2", "é", "🙂"];

for (const [seed, splitClasses, minFrequency] of [
  [1, true, 2],
  [2, false, 2],
  [3, true, 1],
  [4, false, 1],
] as const) {
  test(`learning matches the textbook algorithm (seed ${seed}, splitClasses ${splitClasses}, min ${minFrequency})`, () => {
    const lines = randomLines(seed, 60, ALPHABET);
    const expected = naiveLearn(lines, 200, minFrequency, splitClasses);
    const model = learnBpe(lines, 200, { splitClasses, minFrequency });
    assert.deepEqual(model.merges, expected.merges);
    for (const line of lines) {
      const trained = unitsOf(line, splitClasses).flatMap((u) => expected.words.get(u)!);
      assert.deepEqual(model.encodePieces(line), trained, JSON.stringify(line));
    }
  });
}

test("the learned model does not depend on line order", () => {
  const lines = randomLines(7, 80, ALPHABET);
  const a = learnBpe(lines, 100);
  const b = learnBpe([...lines].reverse(), 100);
  assert.equal(bpeToJson(a), bpeToJson(b));
});

test("the same input gives the same model bytes", () => {
  const lines = randomLines(8, 80, ALPHABET);
  assert.equal(bpeToJson(learnBpe(lines, 50)), bpeToJson(learnBpe(lines, 50)));
});

test("learning reports progress after every merge", () => {
  const seen: number[] = [];
  const model = learnBpe(["hug hug pug", "pun bun hugs"], 100, { onProgress: (n) => seen.push(n) });
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  assert.equal(model.merges.length, 5);
});

test("a bad number of merges or minimum frequency is an error", () => {
  assert.throws(() => learnBpe(["a"], -1), /number of merges must be an integer >= 0, got -1/);
  assert.throws(() => learnBpe(["a"], 1.5), /number of merges/);
  assert.throws(() => learnBpe(["a"], 1, { minFrequency: 0 }), /minimum pair frequency/);
});

test("learning on no text gives a vocabulary of ▁ alone", () => {
  const model = learnBpe([], 10);
  assert.deepEqual(model.chars, ["\u2581"]);
  assert.equal(model.decode(model.encode("hé")), "hé");
});

test("code point order puts astral characters after U+FFFD (UTF-16 order would not)", () => {
  assert.ok(compareCodePoints("\u{1F642}", "\uFFFD") > 0);
  assert.ok("\u{1F642}" < "\uFFFD");
  assert.ok(compareCodePoints("ab", "abc") < 0);
  assert.equal(compareCodePoints("x", "x"), 0);
});
