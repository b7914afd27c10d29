/**
 * Beam bookkeeping, independent of networks: scores, finished flags, and the
 * back-pointers needed to read hypotheses out at the end. Rows are laid out
 * batch-major: row b·K + k is beam k of batch entry b. Ties are broken by the
 * lower (beam, label) index, so search is deterministic.
 */

export interface BeamStep {
  /** Label chosen for each row. */
  labels: Int32Array;
  /** For each row, the row (same batch entry) it extends. */
  from: Int32Array;
}

export class Beams {
  /** Log-probability of each row's hypothesis. */
  scores: Float64Array;
  /** Hypothesis lengths, counting the end-of-sequence label. */
  lengths: Int32Array;
  finished: Uint8Array;
  readonly steps: BeamStep[] = [];

  constructor(
    readonly batch: number,
    readonly beam: number,
    readonly eos = 0,
  ) {
    const n = batch * beam;
    // Only beam 0 is live at the start, so the first step does not pick K copies of one hypothesis.
    this.scores = Float64Array.from({ length: n }, (_, i) => (i % beam === 0 ? 0 : Number.NEGATIVE_INFINITY));
    this.lengths = new Int32Array(n);
    this.finished = new Uint8Array(n);
  }

  /** Ends every hypothesis of batch entry `b` where it is (its length limit was reached). */
  finish(b: number): void {
    this.finished.fill(1, b * this.beam, (b + 1) * this.beam);
  }

  get allFinished(): boolean {
    return this.finished.every((f, i) => f === 1 || this.scores[i] === Number.NEGATIVE_INFINITY);
  }

  /**
   * Extends every row by the best K (row, label) pairs of its batch entry.
   * `logProbs` is [rows, V]. A finished row can only be extended by `eos` at no cost.
   * `gold` (RETURNN's `cheating`): per batch entry the reference label of this
   * step; the last beam slot then always holds the reference prefix, extended
   * from the last slot (the first at step 0, when only it is live) with its score.
   * `exclusive` (RETURNN's `cheating: "exclusive"`): the other slots never take
   * that same extension, so the reference prefix is not in the beam twice.
   */
  advance(logProbs: Float32Array, vocab: number, gold?: Int32Array, exclusive = false): BeamStep {
    const { batch, beam: K } = this;
    const labels = new Int32Array(batch * K);
    const from = new Int32Array(batch * K);
    const scores = new Float64Array(batch * K);
    const lengths = new Int32Array(batch * K);
    const finished = new Uint8Array(batch * K);
    for (let b = 0; b < batch; b++) {
      // The reference's extension: from the last slot (the first at step 0), by its label.
      const goldRow = b * K + (this.steps.length === 0 ? 0 : K - 1);
      const goldLabel = gold ? (this.finished[goldRow] ? this.eos : gold[b]) : -1;
      const skip = (row: number, label: number) => exclusive && row === goldRow && label === goldLabel;
      const candidates = new TopK(K);
      for (let k = 0; k < K; k++) {
        const row = b * K + k;
        const base = this.scores[row];
        if (base === Number.NEGATIVE_INFINITY) continue;
        if (this.finished[row]) {
          if (!skip(row, this.eos)) candidates.offer(base, row, this.eos);
          continue;
        }
        for (let v = 0; v < vocab; v++)
          if (!skip(row, v)) candidates.offer(base + logProbs[row * vocab + v], row, v);
      }
      const chosen: (Candidate | undefined)[] = candidates.items.slice(0, gold ? K - 1 : K);
      if (gold) {
        const score =
          this.scores[goldRow] + (this.finished[goldRow] ? 0 : logProbs[goldRow * vocab + goldLabel]);
        chosen[K - 1] = { score, row: goldRow, label: goldLabel };
      }
      for (let k = 0; k < K; k++) {
        const out = b * K + k;
        const c = chosen[k];
        if (!c) {
          scores[out] = Number.NEGATIVE_INFINITY;
          from[out] = b * K;
          finished[out] = 1;
          continue;
        }
        labels[out] = c.label;
        from[out] = c.row;
        scores[out] = c.score;
        const wasFinished = this.finished[c.row] === 1;
        finished[out] = wasFinished || c.label === this.eos ? 1 : 0;
        lengths[out] = this.lengths[c.row] + (wasFinished ? 0 : 1);
      }
    }
    this.scores = scores;
    this.lengths = lengths;
    this.finished = finished;
    const step = { labels, from };
    this.steps.push(step);
    return step;
  }

  /**
   * The best hypothesis per batch entry (labels up to and including the end
   * label, if it was reached) and its score; with length normalisation the
   * score is divided by the length, as RETURNN's choice layer does by default.
   */
  best(lengthNormalization: boolean): { labels: Int32Array[]; scores: number[] } {
    const labels: Int32Array[] = [];
    const scores: number[] = [];
    for (let b = 0; b < this.batch; b++) {
      let bestRow = b * this.beam;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < this.beam; k++) {
        const row = b * this.beam + k;
        const s = lengthNormalization ? this.scores[row] / Math.max(1, this.lengths[row]) : this.scores[row];
        if (s > bestScore) {
          bestScore = s;
          bestRow = row;
        }
      }
      labels.push(this.trace(bestRow));
      scores.push(bestScore);
    }
    return { labels, scores };
  }

  /** Follows back-pointers from the last step to read one row's labels (the newest step first). */

  private trace(row: number): Int32Array {
    const out: number[] = [];
    let r = row;
    for (let t = this.steps.length - 1; t >= 0; t--) {
      out.push(this.steps[t].labels[r]);
      r = this.steps[t].from[r];
    }
    out.reverse();
    // Steps after a hypothesis ended (by end-of-sequence or its length limit) repeat `eos`: cut them.
    return Int32Array.from(out.slice(0, this.lengths[row]));
  }
}

/**
 * The K best candidates seen, best first. Candidates must be offered in
 * ascending (row, label) order: an equal score never displaces an earlier one,
 * which makes ties go to the lower index.
 */
interface Candidate {
  score: number;
  row: number;
  label: number;
}

class TopK {
  readonly items: Candidate[] = [];

  constructor(private readonly k: number) {}

  offer(score: number, row: number, label: number): void {
    const items = this.items;
    if (items.length === this.k && !(score > items[items.length - 1].score)) return;
    let i = items.length;
    while (i > 0 && score > items[i - 1].score) i--;
    items.splice(i, 0, { score, row, label });
    if (items.length > this.k) items.pop();
  }
}
