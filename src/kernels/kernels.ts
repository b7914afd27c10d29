/**
 * The numerical kernels every op runs on. Ops never know which implementation
 * is active; the pure-TS one (`js/`) is the reference, native ones implement the
 * same contract. Every kernel is deterministic: each output element is computed
 * in one fixed order, independent of thread count.
 *
 * Arrays are contiguous row-major; "strides" are in elements, with 0 marking a
 * broadcast dimension.
 */

export type UnaryOp =
  | "neg"
  | "exp"
  | "log"
  | "sqrt"
  | "rsqrt"
  | "abs"
  | "relu"
  | "gelu"
  | "tanh"
  | "sigmoid"
  | "sign"
  | "square"
  | "reciprocal";

/** Element-wise binary ops; `*_grad` ops take (forward value, upstream gradient). */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "max"
  | "min"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "relu_grad" // (x, gy) -> gy * (x > 0)
  | "gelu_grad" // (x, gy) -> gy * gelu'(x)
  | "tanh_grad" // (y, gy) -> gy * (1 - y^2)
  | "sigmoid_grad"; // (y, gy) -> gy * y * (1 - y)

export interface MatmulSpec {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** A is stored k×m (use its transpose). */
  transA: boolean;
  /** B is stored n×k (use its transpose). */
  transB: boolean;
  /** Elements between consecutive batch matrices; 0 shares one matrix across the batch. */
  aBatchStride: number;
  bBatchStride: number;
}

export interface Kernels {
  readonly name: string;

  unary(op: UnaryOp, x: Float32Array, out: Float32Array): void;
  /** out[idx] = a[idx·aStrides] op b[idx·bStrides] over `shape`. */
  binary(
    op: BinaryOp,
    a: Float32Array,
    aStrides: readonly number[],
    b: Float32Array,
    bStrides: readonly number[],
    out: Float32Array,
    shape: readonly number[],
  ): void;
  /** out = cond != 0 ? a : b, each operand broadcast by its strides. */
  where(
    cond: Float32Array,
    cStrides: readonly number[],
    a: Float32Array,
    aStrides: readonly number[],
    b: Float32Array,
    bStrides: readonly number[],
    out: Float32Array,
    shape: readonly number[],
  ): void;

  /** out[b] = op(A[b]) · op(B[b]), m×n per batch; each dot product summed over k ascending. */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, spec: MatmulSpec): void;

  /** x viewed as [outer, len, inner]: out[o, i] = Σ_j x[o, j, i], j ascending. */
  sum(x: Float32Array, out: Float32Array, outer: number, len: number, inner: number): void;
  /** As `sum` with max; `argmax` gets the first index of the maximum (for the gradient). */
  max(
    x: Float32Array,
    out: Float32Array,
    argmax: Int32Array,
    outer: number,
    len: number,
    inner: number,
  ): void;

  /** Copies a strided block: dst[dOff + Σ i·dStrides] = src[sOff + Σ i·sStrides] over `shape`. */
  copy(
    src: Float32Array | Int32Array,
    sOff: number,
    sStrides: readonly number[],
    dst: Float32Array | Int32Array,
    dOff: number,
    dStrides: readonly number[],
    shape: readonly number[],
  ): void;

  /** Row-wise (log-)softmax over the last `cols` elements. */
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;
  /** Gradient of softmax (from its output y) or log-softmax (from its output). */
  softmaxBackward(
    y: Float32Array,
    gy: Float32Array,
    gx: Float32Array,
    rows: number,
    cols: number,
    log: boolean,
  ): void;

  /** Layer norm over rows of `cols`; writes y, and per-row mean and 1/std for the backward pass. */
  layerNorm(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  /** dx is written; dgamma and dbeta are accumulated over rows in ascending order. */
  layerNormBackward(
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    gy: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    rows: number,
    cols: number,
  ): void;

  /**
   * Label-smoothed sparse cross-entropy on logits: target 1-ls on the label and
   * ls/(V-1) on every other class. Writes per-row loss and the softmax (kept for
   * the backward pass); with `argmax`, also each row's argmax exactly as `max`
   * finds it (the first NaN, else the first maximum) — the frame error's
   * prediction without a second pass over the logits.
   */
  crossEntropy(
    logits: Float32Array,
    labels: Int32Array,
    loss: Float32Array,
    probs: Float32Array,
    rows: number,
    classes: number,
    smoothing: number,
    argmax?: Int32Array | null,
  ): void;
  /** dlogits[r] = gloss[r] · (probs[r] − target[r]). */
  crossEntropyBackward(
    probs: Float32Array,
    labels: Int32Array,
    gloss: Float32Array,
    dlogits: Float32Array,
    rows: number,
    classes: number,
    smoothing: number,
  ): void;

  /** x viewed as [outer, len, inner]: out[o, i, :] = x[o, idx[i], :]. */
  gather(
    x: Float32Array,
    idx: Int32Array,
    out: Float32Array,
    outer: number,
    len: number,
    inner: number,
  ): void;
  /** Inverse of gather: gx[o, idx[i], :] += gy[o, i, :], i ascending. gx must be zeroed. */
  scatterAdd(
    gy: Float32Array,
    idx: Int32Array,
    gx: Float32Array,
    outer: number,
    len: number,
    inner: number,
  ): void;

  /** In-place Adam (TensorFlow's formulation, as RETURNN uses). */
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, o: AdamStep): void;

  /**
   * Fused scaled dot-product attention over [n, h] slices: q [n,h,tq,dk],
   * k [n,h,tk,dk], v [n,h,tk,dv] → out [n,h,tq,dv]; `probs` [n,h,tq,tk] receives
   * the softmax weights (before dropout, kept for the backward pass). It computes
   * exactly what the composed ops compute on the same kernels: q' = q·fround(scale),
   * energies q'·kᵀ, keys j ≥ lengths[⌊n/rowsPerLength⌋] (and j > i when causal)
   * replaced by the −1e30 mask value, softmax, weights × `drop` (the dropout
   * keep-mask multiplier, or null), then weights · v.
   */
  attention(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    drop: Float32Array | null,
    out: Float32Array,
    probs: Float32Array,
    spec: AttentionSpec,
  ): void;
  /**
   * Philox4x32-10 words `first .. first + out.length − 1` of the stream with key
   * (k0, k1) and counter words 2, 3 = (word2, word3): word w is lane w mod 4 of the
   * block with counter (⌊w/4⌋ mod 2^32, ⌊⌊w/4⌋ / 2^32⌋, word2, word3) — exactly
   * `philoxWords` of src/rng/philox.ts (the keyed RNG's bulk generator, which
   * dropout masks come from). Arguments are unsigned 32-bit; first + out.length ≤ 2^53.
   */
  philoxWords(k0: number, k1: number, word2: number, word3: number, first: number, out: Uint32Array): void;
  /**
   * Dropout keep-mask multipliers from the same stream: out[i] = u ≥ rate ? 1/(1 − rate) : 0
   * (rounded to float32), u = (word (first + i) >>> 8)·2^-24 — the keyed RNG's `uniform`,
   * compared as `dropout` (src/tensor/ops/nn.ts) compares it. 0 ≤ rate < 1.
   */
  dropoutMask(
    k0: number,
    k1: number,
    word2: number,
    word3: number,
    first: number,
    rate: number,
    out: Float32Array,
  ): void;

  /** Gradients of `attention` with respect to q, k and v (all written, not accumulated). */
  attentionBackward(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    drop: Float32Array | null,
    probs: Float32Array,
    gout: Float32Array,
    gq: Float32Array,
    gk: Float32Array,
    gv: Float32Array,
    spec: AttentionSpec,
  ): void;
  /**
   * Per-block digests of 32-bit words for the step fingerprints: blocks of
   * 2^16 words, block b's two digest words to out[2b], out[2b+1]
   * (src/kernels/js/hash.ts defines the arithmetic). Independent of thread count.
   */
  hashBlocks(words: Uint32Array, out: Uint32Array): void;

  /**
   * CTC loss per sequence of logits [batch, time, classes] against labels
   * [batch, maxLabels] (blank = `spec.blank`), and its gradient with respect to
   * the logits (rows t ≥ inputLengths[b] are 0). In float64 log space, each
   * sequence in one fixed order; a sequence without a valid alignment gets
   * loss +∞ and a zero gradient.
   */
  ctcLoss(
    logits: Float32Array,
    labels: Int32Array,
    inputLengths: Int32Array,
    labelLengths: Int32Array,
    spec: CtcSpec,
    loss: Float32Array,
    grad: Float32Array,
  ): void;

  /**
   * `attention` on self-attention's packed projection: qkv [n, t, h, 2·dk + dv]
   * (per head its q, k and v columns, in that order), tq = tk = t → out
   * [n, t, h, dv]; `drop` and `probs` [n, h, t, t] as in `attention`. The same
   * bits as slicing q, k, v out of qkv, transposing them to [n, h, t, ·] and
   * calling `attention` (then transposing the output back).
   */
  attentionPacked(
    qkv: Float32Array,
    drop: Float32Array | null,
    out: Float32Array,
    probs: Float32Array,
    spec: AttentionSpec,
  ): void;
  /**
   * Gradient of `attentionPacked` with respect to qkv, every element written.
   * −0 comes out as +0, as the composed ops' sum of the three zero-padded slice
   * gradients gives it.
   */
  attentionPackedBackward(
    qkv: Float32Array,
    drop: Float32Array | null,
    probs: Float32Array,
    gout: Float32Array,
    gqkv: Float32Array,
    spec: AttentionSpec,
  ): void;
  /**
   * Fused decoder cross-attention over (batch entry, head) slices, in the
   * layers' layouts: q [b,tq,h,dk] (decoder frames second), k [b,tk,h,dk],
   * v [b,tk,h,dv] → out [b,tq,h,dv]; `drop` is the dropout multiplier
   * [b,tq,h,tk] or null; `probs` [b,h,tq,tk] receives the softmax weights
   * (before dropout, kept for the backward pass). It computes exactly what
   * `dot` → `softmax_over_spatial` (× factor) → `dropout` → `generic_attention`
   * compute on the same kernels (src/network/fuse-attention.ts): frames beyond
   * qLengths / kLengths zeroed in q, k, v, energies q·kᵀ × fround(factor), keys
   * j ≥ kLengths[b] replaced by the −1e30 mask value, softmax, × drop, weights
   * of padded frames zeroed, weights · v.
   */
  crossAttention(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    drop: Float32Array | null,
    out: Float32Array,
    probs: Float32Array,
    spec: CrossAttentionSpec,
  ): void;
  /** Gradients of `crossAttention` with respect to q, k and v (written, not accumulated; 0 on padded frames). */
  crossAttentionBackward(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    drop: Float32Array | null,
    probs: Float32Array,
    gout: Float32Array,
    gq: Float32Array,
    gk: Float32Array,
    gv: Float32Array,
    spec: CrossAttentionSpec,
  ): void;

  /**
   * `adam` on several tensors in one call (one thread-pool dispatch per
   * optimizer step): the same bits as `adam` on each. The tensors must be
   * distinct arrays.
   */
  adamMany(
    ps: readonly Float32Array[],
    gs: readonly Float32Array[],
    ms: readonly Float32Array[],
    vs: readonly Float32Array[],
    o: AdamStep,
  ): void;

  /**
   * LSTM over a padded batch (RETURNN's NativeLstm2 cell, gates [j, i, f, o]):
   * xp [B,T,4n] is the projected input x·W + b, wRe [n,4n] the recurrent weight,
   * c0/h0 [B,n] the initial state. Writes y [B,T,n] (0 on padded steps), the
   * cell states `cells` [B,T,n], activated `gates` [B,T,4n] and the state fed
   * into each step `hPrev` [B,T,n] (for the backward pass), and the final state
   * cLast/hLast [B,n]. A step t ≥ lengths[b] leaves the state unchanged; padded
   * input values never reach any output. Steps run t = 0…T−1, or T−1…0 when
   * `spec.backward`. See src/kernels/js/lstm.ts for the exact arithmetic.
   */
  lstmForward(
    xp: Float32Array,
    wRe: Float32Array,
    c0: Float32Array,
    h0: Float32Array,
    lengths: Int32Array,
    y: Float32Array,
    cells: Float32Array,
    gates: Float32Array,
    hPrev: Float32Array,
    cLast: Float32Array,
    hLast: Float32Array,
    spec: LstmSpec,
  ): void;
  /**
   * Gradients of `lstmForward` (all written, not accumulated): dxp [B,T,4n],
   * dwRe [n,4n] (summed over (b, t) ascending as one product), dc0, dh0 [B,n].
   * dcLast/dhLast: gradients of the final state, or null for none.
   */
  lstmBackward(
    wRe: Float32Array,
    c0: Float32Array,
    lengths: Int32Array,
    cells: Float32Array,
    gates: Float32Array,
    hPrev: Float32Array,
    dy: Float32Array,
    dcLast: Float32Array | null,
    dhLast: Float32Array | null,
    dxp: Float32Array,
    dwRe: Float32Array,
    dc0: Float32Array,
    dh0: Float32Array,
    spec: LstmSpec,
  ): void;
  /**
   * Two independent `lstmForward` calls (a BLSTM's two directions) at once:
   * the native kernels run one per thread, each single-threaded inside. The
   * same bits as the two calls one after the other.
   */
  lstmForwardPair(a: LstmForwardArgs, b: LstmForwardArgs): void;
  /** Two independent `lstmBackward` calls at once (as lstmForwardPair). */
  lstmBackwardPair(a: LstmBackwardArgs, b: LstmBackwardArgs): void;
}

export type LstmForwardArgs = Parameters<Kernels["lstmForward"]>;
export type LstmBackwardArgs = Parameters<Kernels["lstmBackward"]>;

export interface CtcSpec {
  batch: number;
  time: number;
  classes: number;
  maxLabels: number;
  blank: number;
}

export interface LstmSpec {
  /** Batch, time (padded), cells. */
  b: number;
  t: number;
  n: number;
  /** Walk the steps from T−1 down to 0 (RETURNN's `direction: -1`). */
  backward: boolean;
}

export interface AttentionSpec {
  n: number;
  heads: number;
  tq: number;
  tk: number;
  dk: number;
  dv: number;
  /** Valid keys per slice row: row n uses lengths[⌊n / rowsPerLength⌋]. */
  lengths: Int32Array;
  rowsPerLength: number;
  /** Multiplies the queries (rounded to float32 first, as a scalar tensor would be). */
  scale: number;
  /** Key j is visible to query i only when j ≤ i (decoder self-attention). */
  causal: boolean;
}

export interface CrossAttentionSpec {
  batch: number;
  heads: number;
  tq: number;
  tk: number;
  dk: number;
  dv: number;
  /** Valid decoder frames (q rows) and encoder frames (k, v rows) per batch entry. */
  qLengths: Int32Array;
  kLengths: Int32Array;
  /** `energy_factor` (rounded to float32, as a scalar tensor would be); 1 for none. */
  factor: number;
}

export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1-based step count for bias correction. */
  step: number;
  /** Decoupled weight decay (AdamW), applied as p -= lr·wd·p. */
  weightDecay: number;
}
