/**
 * `repronet compare RUN... [--metric KEY] [--epoch N] [--plot FILE.svg] [--json]`:
 * groups runs by config up to `random_seed` and compares a metric across the
 * groups (docs/compare.md). The first line is the verdict.
 */
import type { Command } from "commander";
import { compareRuns } from "../diag/compare/compare.js";
import { renderCompareHtml } from "../diag/compare/html.js";
import { reportExtras } from "../diag/compare/html-data.js";
import { learningCurvesSvg } from "../diag/compare/plot.js";
import { renderCompareJson, renderCompareText } from "../diag/compare/render.js";
import { sweepRuns } from "../diag/compare/sweep-runs.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";

function positiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1)
      throw new ReproError(`${name} must be a positive integer, got "${v}"`);
    return Number(v);
  };
}

export function registerCompare(program: Command, out: (line: string) => void = (l) => console.log(l)): void {
  program
    .command("compare")
    .description(
      "compare groups of runs (the same config up to random_seed): mean ± std, Welch's t-test, same-seed identity",
    )
    .argument(
      "<runs...>",
      "run directories written by `repronet train` (at least two), or one `repronet sweep` directory",
    )
    .option(
      "--metric <key>",
      "the epoch score to compare (default: the first run's learning-rate error measure)",
    )
    .option(
      "--epoch <n>",
      "the epoch to compare (default: the last one every run has)",
      positiveInt("--epoch"),
    )
    .option("--plot <file>", "write the learning curves of the metric as SVG")
    .option("--json", "print one JSON object instead of text")
    .option(
      "--html <file>",
      "write a self-contained HTML report (curves, distributions, tests, identity, diff)",
    )
    .action(
      async (
        runs: string[],
        o: { metric?: string; epoch?: number; plot?: string; json?: boolean; html?: string },
      ) => {
        if (o.plot !== undefined && !o.plot.toLowerCase().endsWith(".svg"))
          throw new ReproError(`--plot writes SVG: give a file name ending in .svg, got "${o.plot}"`);
        if (o.html !== undefined && !/\.html?$/i.test(o.html))
          throw new ReproError(`--html writes HTML: give a file name ending in .html, got "${o.html}"`);
        // One sweep directory: its runs, grouped by variant, the baseline first.
        const sweep = runs.length === 1 ? sweepRuns(runs[0]) : null;
        const report = await compareRuns(sweep?.paths ?? runs, {
          metric: o.metric,
          epoch: o.epoch,
          labels: sweep?.labels,
        });
        if (o.plot) writeFileAtomic(o.plot, learningCurvesSvg(report));
        if (o.html) {
          const title = `repronet compare ${sweep ? runs[0] : `${runs.length} runs`}`;
          writeFileAtomic(o.html, renderCompareHtml(report, await reportExtras(report), title));
        }
        if (o.json) out(renderCompareJson(report));
        else for (const line of renderCompareText(report)) out(line);
      },
    );
}
