/**
 * The ancestry graph's SVG and a session's notebook HTML rendered by a real Chromium (Debian's
 * /usr/bin/chromium via playwright-core): built in the page from the browser bundle (no
 * node:util), laid out by the browser, measured, and saved as a screenshot
 * (`$ICECHUNK_SCREENSHOT_DIR` or the OS temp dir) for a person to look at.
 */
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const out = await build({
    entryPoints: [join(import.meta.dirname, "browser/display-entry.ts")],
    bundle: true,
    format: "iife",
    globalName: "lib",
    platform: "browser",
    write: false,
    conditions: ["@icechunk-ts/source", "browser"],
  });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  page = await browser.newPage({ viewport: { width: 800, height: 400 } });
  await page.setContent(`<!doctype html><meta charset="utf-8"><body></body>`);
  await page.addScriptTag({ content: out.outputFiles[0]!.text });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("display in Chromium", () => {
  it("draws the ancestry graph: a dot per snapshot, lanes, a join curve, one text row each", async () => {
    const r = (await page.evaluate(() =>
      (window as unknown as { lib: { showGraph(): Promise<unknown> } }).lib.showGraph(),
    )) as { text: string; sessionText: string };
    expect(r.text).toContain("feature");
    const svg = page.locator("#graph svg");
    const box = (await svg.boundingBox())!;
    expect(box.width).toBeGreaterThan(400);
    const circles = await page.locator("#graph svg circle").evaluateAll((els) =>
      els.map((e) => {
        const b = e.getBoundingClientRect();
        return {
          x: b.x + b.width / 2,
          y: b.y + b.height / 2,
          w: b.width,
          fill: e.getAttribute("fill"),
        };
      }),
    );
    // init, root group, /a, the branch commit, /c
    expect(circles).toHaveLength(5);
    for (const c of circles) {
      expect(c.w).toBeCloseTo(10, 0); // r = 5
      expect(c.x).toBeGreaterThan(box.x);
      expect(c.y).toBeLessThan(box.y + box.height);
    }
    // newest first, one row each, top to bottom
    const ys = circles.map((c) => c.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    // the branch commit sits in the second lane, in violet; main's in lime
    const lanes = [...new Set(circles.map((c) => Math.round(c.x)))].sort((a, b) => a - b);
    expect(lanes).toHaveLength(2);
    const branchDot = circles.find((c) => Math.round(c.x) === lanes[1])!;
    expect(branchDot.fill).toBe("#A653FF");
    expect(circles.filter((c) => c.fill === "#B7E400")).toHaveLength(4);
    expect(await page.locator("#graph svg path").count()).toBe(1);
    // each row's text is laid out right of the lanes, on its dot's line, without overlaps
    const texts = await page.locator("#graph svg text").evaluateAll((els) =>
      els.map((e) => {
        const b = e.getBoundingClientRect();
        return { x: b.x, top: b.top, bottom: b.bottom, w: b.width, text: e.textContent };
      }),
    );
    expect(texts).toHaveLength(5);
    texts.forEach((t, i) => {
      expect(t.w).toBeGreaterThan(50);
      expect(t.x).toBeGreaterThan(Math.max(...circles.map((c) => c.x)));
      expect(t.top).toBeLessThan(ys[i]!);
      expect(t.bottom).toBeGreaterThan(ys[i]!);
      if (i > 0) expect(t.top).toBeGreaterThanOrEqual(texts[i - 1]!.bottom - 1);
    });
    expect(texts.map((t) => t.text)).toContainEqual(expect.stringContaining("(feature) try /b"));
    expect(texts.map((t) => t.text)).toContainEqual(
      expect.stringContaining("(v1.0) add the root group"),
    );
    // the session's notebook table
    const rows = await page.locator("#session table tr").allTextContents();
    expect(rows).toEqual([
      expect.stringMatching(/^modewritable$/),
      expect.stringMatching(/^branchmain$/),
      expect.stringMatching(/^snapshotId[0-9A-Z]{20}$/),
      expect.stringMatching(/^uncommitted1 node created$/),
    ]);
    const dir = process.env.ICECHUNK_SCREENSHOT_DIR ?? join(tmpdir(), "icechunk-ts-screenshots");
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: join(dir, "ancestry-graph.png"), fullPage: true });
  });
});
