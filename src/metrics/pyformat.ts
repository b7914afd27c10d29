/**
 * Python's `f"{x:.{d}f}"`. It rounds the exact binary value correctly, breaking
 * exact decimal ties half-to-even (`0.125` → `0.12`); JS `toFixed` breaks them
 * upwards (`0.13`). Python also keeps the sign of negative zero.
 */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let body = a.toFixed(digits);
  if (a < 1e21) {
    // toFixed is exact; 60 extra digits reveal whether `a` is exactly a tie.
    const exact = a.toFixed(Math.min(100, digits + 60));
    const cut = exact.indexOf(".") + 1 + digits;
    const rest = exact.slice(cut);
    if (/^50*$/.test(rest)) {
      const kept = digits === 0 ? exact.slice(0, exact.indexOf(".")) : exact.slice(0, cut);
      const lastDigit = Number(kept[kept.length - 1]);
      // toFixed rounded the tie up; undo that when the kept digit is even.
      if (lastDigit % 2 === 0) body = kept;
    }
  }
  return neg ? `-${body}` : body;
}
