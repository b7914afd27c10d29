/**
 * Reverse-mode autograd over a tape.
 *
 * While `valueAndGrads` runs, every op whose inputs include a watched tensor
 * records a node {inputs, backward}. The tape is in creation order, which is a
 * topological order, so backward is one reverse pass: no recursion, and
 * gradients accumulate in a fixed order. A node whose output never receives a
 * gradient (unreachable from the objective, or cut by a constant-zero scale or
 * `stopGradient`) is never differentiated at all.
 */
import { addInto, makeCopy, makeView, onesLike, zerosLike } from "./grad-helpers.js";
import { type Shape, type Tensor, tidy } from "./tensor.js";

/** Gradient of the op's output → gradients of its inputs (null where not needed). */
export type BackwardFn = (gy: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

export interface GradNode {
  readonly tape: Tape;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn | null; // null for watched leaves (parameters)
}

class Tape {
  readonly outputs: Tensor[] = [];
  /** Intermediate tensors whose gradient the caller wants back (diagnostics). */
  readonly retained = new Set<Tensor>();
}

let current: Tape | null = null;
let noGradDepth = 0;

const isTracked = (t: Tensor, tape: Tape | null): boolean =>
  tape !== null && t.node !== null && t.node.tape === tape;

/** True while gradients are being recorded (inside `valueAndGrads`, outside `noGrad`). */
export const isRecording = (): boolean => current !== null && noGradDepth === 0;

/** True if `t` is differentiable in the running `valueAndGrads`. */
export const requiresGrad = (t: Tensor): boolean => noGradDepth === 0 && isTracked(t, current);

/**
 * Registers `out` as the result of a differentiable op. Ops call this after
 * computing their forward value; nothing is recorded when no input needs a
 * gradient, so constant subgraphs cost nothing.
 */
export function record(out: Tensor, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (!isRecording() || !inputs.some((t) => isTracked(t, current))) return out;
  out.node = { tape: current!, inputs, backward };
  current!.outputs.push(out);
  return out;
}

/** Custom gradient for a fused op: `forward` computes the value, `backward` its input gradients. */
export function customGrad(inputs: readonly Tensor[], forward: () => Tensor, backward: BackwardFn): Tensor {
  return record(noGrad(forward), inputs, backward);
}

/** Runs `fn` without recording gradients. */
export function noGrad<T>(fn: () => T): T {
  noGradDepth++;
  try {
    return fn();
  } finally {
    noGradDepth--;
  }
}

export interface ValueAndGrads {
  value: Tensor;
  /** One entry per parameter; null when the objective does not depend on it. */
  grads: (Tensor | null)[];
  /** Gradients of the tensors passed to `retainGrad` during `f` (absent when unreachable). */
  retained: Map<Tensor, Tensor>;
}

/** Asks the running `valueAndGrads` to also return the gradient of intermediate `t` (for diagnostics). */
export function retainGrad(t: Tensor): void {
  if (isRecording() && isTracked(t, current)) current!.retained.add(t);
}

/**
 * Evaluates the scalar `f()` and the gradients of it with respect to `params`.
 * Tensors created by `f` belong to the caller's tidy scope.
 */
export function valueAndGrads(f: () => Tensor, params: readonly Tensor[]): ValueAndGrads {
  if (current !== null) throw new Error("nested valueAndGrads is not supported");
  const tape = new Tape();
  for (const p of params) p.node = { tape, inputs: [], backward: null };
  let value: Tensor;
  current = tape;
  try {
    value = f();
  } finally {
    current = null;
  }
  if (value.size !== 1) throw new Error(`objective must be a scalar, got shape [${value.shape}]`);
  const retained = new Map<Tensor, Tensor>();
  const grads = backward(tape, value, params, retained);
  for (const p of params) p.node = null;
  for (const t of tape.outputs) t.node = null;
  return { value, grads, retained };
}

/** `grad(f)(x)`: the gradient of scalar f at x. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return (x) =>
    tidy(() => {
      const { grads } = valueAndGrads(() => f(x), [x]);
      return grads[0] ?? zerosLike(x.shape);
    });
}

/** Identity in the forward pass, a wall for gradients. */
export function stopGradient(x: Tensor): Tensor {
  return makeView(x, x.shape);
}

// --- the backward pass -------------------------------------------------------

function backward(
  tape: Tape,
  value: Tensor,
  params: readonly Tensor[],
  retained: Map<Tensor, Tensor>,
): (Tensor | null)[] {
  if (!isTracked(value, tape)) return params.map(() => null);
  // Gradient tensors may be shared (an add passes gy to both inputs), so they
  // are reference counted and disposed as soon as nothing holds them.
  const grads = new Map<Tensor, Tensor>();
  const refs = new Map<Tensor, number>();
  const hold = (g: Tensor) => refs.set(g, (refs.get(g) ?? 0) + 1);
  const release = (g: Tensor) => {
    const n = refs.get(g)! - 1;
    if (n > 0) refs.set(g, n);
    else {
      refs.delete(g);
      g.dispose();
    }
  };
  const accumulate = (target: Tensor, g: Tensor) => {
    const prev = grads.get(target);
    if (prev === undefined) {
      grads.set(target, g);
      hold(g);
      return;
    }
    const sum = addInto(prev, g);
    release(prev);
    grads.set(target, sum);
    hold(sum);
  };

  noGradDepth++;
  try {
    const seed = onesLike(value.shape);
    grads.set(value, seed);
    hold(seed);
    for (let i = tape.outputs.length - 1; i >= 0; i--) {
      const out = tape.outputs[i];
      const gy = grads.get(out);
      if (gy === undefined) continue;
      if (tape.retained.has(out)) retained.set(out, makeCopy(gy));
      const node = out.node!;
      const needs = node.inputs.map((t) => isTracked(t, tape));
      const inputGrads = node.backward!(gy, needs);
      node.inputs.forEach((input, j) => {
        const g = inputGrads[j];
        if (!needs[j] || !g) return;
        checkGradShape(g.shape, input.shape, out.id);
        hold(g);
        accumulate(input, g);
        release(g);
      });
      grads.delete(out);
      release(gy);
    }
  } finally {
    noGradDepth--;
  }
  // A tensor shared by two parameters' gradients is copied so callers may
  // update each gradient in place.
  const seen = new Set<Tensor>();
  return params.map((p) => {
    const g = grads.get(p);
    if (g === undefined) return null;
    if (!seen.has(g)) {
      seen.add(g);
      return g;
    }
    return makeCopy(g);
  });
}

function checkGradShape(g: Shape, x: Shape, id: number): void {
  if (g.length !== x.length || g.some((d, i) => d !== x[i])) {
    throw new Error(`internal: gradient of shape [${g}] for input of shape [${x}] (op output #${id})`);
  }
}
