/**
 * A user-facing error: its message is one line that names the cause (file, line,
 * layer, option). The CLI prints `error: <message>` and exits non-zero; anything
 * else that escapes is a bug and is printed with its stack.
 */
export class ReproError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "ReproError";
  }
}

/**
 * A user error about one sequence of a batch (e.g. audio too short for its CTC
 * target): whoever knows the batch's sequence names puts the name in front.
 */
export class SequenceError extends ReproError {
  constructor(
    message: string,
    readonly batchEntry: number,
  ) {
    super(message);
  }
}

/** Edit distance between two sequences (strings for did-you-mean hints, label sequences for errors). */
export function levenshtein<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

/** ` (did you mean "x"?)` for the closest candidate within a sensible distance, else "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  let best = "";
  let bestDist = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = typoDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist || (d === bestDist && c < best)) {
      best = c;
      bestDist = d;
    }
  }
  // Close means a third of the word at most (one edit for short words): "l2" is not "log".
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDist <= limit ? ` (did you mean "${best}"?)` : "";
}

/** Edit distance where swapping two neighbours counts as one edit ("blue" → "bleu"), as typos go. */
function typoDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}
