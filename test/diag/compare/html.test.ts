/**
 * The HTML report of a sweep in a real browser: playwright-core drives
 * Debian's chromium (no browser download), loads the page from disk with the
 * network cut off, and checks that nothing errors, that there is one curve per
 * run and a legend entry per variant, and that the screenshot is not blank.
 * Skipped, with a message saying how to install chromium, where it is absent.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { repronet } from "../../helpers/cli.js";
import { tinySpec, writeSpec } from "../../helpers/sweep.js";

const CHROMIUM = process.env.REPRONET_CHROMIUM ?? "/usr/bin/chromium";
const skip = existsSync(CHROMIUM)
  ? false
  : `chromium not found at ${CHROMIUM}: install it with apt-get install -y chromium (or set REPRONET_CHROMIUM)`;
if (skip) console.log(`# HTML browser test skipped: ${skip}`);

const work = mkdtempSync(join(tmpdir(), "repronet-html-"));
after(() => rmSync(work, { recursive: true, force: true }));
const report = join(work, "report.html");
const SEEDS = [1, 2];
const VARIANTS = ["base", "zero-eval", "lr"];

before(() => {
  const spec = tinySpec(3, SEEDS, {
    base: {},
    "zero-eval": { config: join(process.cwd(), "examples", "transformer-zero-eval.json") },
    lr: { set: { learning_rate: 0.003 } },
  });
  const sweep = repronet(["sweep", writeSpec(work, spec), "--out", join(work, "sweep"), "--threads", "1"]);
  assert.equal(sweep.code, 0, sweep.stderr);
  const r = repronet(["compare", join(work, "sweep"), "--html", report]);
  assert.equal(r.code, 0, r.stderr);
});

/** Counts a PNG's distinct colours in the page (the browser decodes it; a string, as the tests have no DOM types). */
const COUNT_COLOURS = `async (b64) => {
  const img = new Image();
  img.src = "data:image/png;base64," + b64;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, img.width, img.height).data;
  const seen = new Set();
  for (let i = 0; i < px.length; i += 4) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
  return seen.size;
}`;

async function distinctColors(page: import("playwright-core").Page, png: Buffer): Promise<number> {
  return page.evaluate(`(${COUNT_COLOURS})(${JSON.stringify(png.toString("base64"))})`) as Promise<number>;
}

test("the report loads no resource from the network", () => {
  const html = readFileSync(report, "utf8");
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
});

test("in chromium the report has no console errors, one curve per run, a legend per variant, and is not blank", {
  skip,
  timeout: 60_000,
}, async () => {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
  try {
    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(pathToFileURL(report).href, { waitUntil: "load" });
    assert.deepEqual(errors, []);
    assert.equal(await page.locator("#curves path.run-curve").count(), VARIANTS.length * SEEDS.length);
    assert.equal(await page.locator("#curves path.mean-curve").count(), VARIANTS.length);
    assert.equal(
      await page.locator("#distribution circle.final-dot").count(),
      VARIANTS.length * SEEDS.length,
    );
    const legend = await page.locator("#curves .legend-item").allTextContents();
    assert.deepEqual(
      legend.map((t) => t.trim().split(" ")[0]),
      VARIANTS,
    );
    assert.match(
      (await page.locator("#identity").textContent()) ?? "",
      /zero-eval[\s\S]*bit-identical to base: a no-op/,
    );
    assert.match(
      (await page.locator("#overlaps").textContent()) ?? "",
      /zero-eval and base have identical curves/,
    );
    const shot = join(process.env.REPRONET_SCREENSHOT_DIR ?? work, "report.png");
    const png = await page.screenshot({ path: shot, fullPage: true });
    assert.ok((await distinctColors(page, png)) > 8, "the screenshot is (nearly) one colour");
    // The legend hides a variant's lines.
    await page.locator('#curves .legend-item[data-group="lr"]').click();
    assert.equal(await page.locator('#curves path.run-curve[data-group="lr"]:visible').count(), 0);
  } finally {
    await browser.close();
  }
});
