/** A hypothesis' (or target's) labels before end-of-sequence (0). */
export function withoutEos(labels: Int32Array): number[] {
  const end = labels.indexOf(0);
  return Array.from(end >= 0 ? labels.subarray(0, end) : labels);
}
