/**
 * The Node the suite runs on: one that every package's `engines` admits, and, when a run asked for
 * a version (scripts/node.sh sets ICECHUNK_TS_NODE), that one, for this process and for the
 * `node` that spawned tools (tsx, npm, the consumer program) find on PATH.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const engines = (file: string) =>
  (JSON.parse(readFileSync(join(ROOT, file), "utf8")) as { engines: { node: string } }).engines
    .node;
const major = (version: string) => Number(version.replace(/^v/, "").split(".")[0]);

describe("runtime", () => {
  it("every package states the same engines, and this Node satisfies them", () => {
    const root = engines("package.json");
    for (const name of ["core", "zarrita", "s3"]) {
      expect(engines(`packages/${name}/package.json`)).toBe(root);
    }
    const floor = /^>=(\d+)$/.exec(root);
    expect(floor, `engines.node is ${root}`).not.toBeNull();
    expect(major(process.version)).toBeGreaterThanOrEqual(Number(floor![1]));
  });

  it("runs on the Node the run asked for, children included", async () => {
    const asked = process.env.ICECHUNK_TS_NODE ?? String(major(process.version));
    expect(major(process.version)).toBe(Number(asked));
    const { stdout } = await promisify(execFile)("node", ["-p", "process.version"]);
    expect(major(stdout.trim())).toBe(Number(asked));
  });
});
