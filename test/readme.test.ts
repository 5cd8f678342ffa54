/**
 * The README's code runs as a newcomer would run it: the write block in a fresh folder (and again
 * in the same folder), then the read block against that folder served over HTTP on 127.0.0.1.
 */
import { execFile } from "node:child_process";
import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { serveDirectory } from "../examples/serve.js";
import { makeTempDir } from "./support/tmp.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..");

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function readmeBlocks(): Promise<string[]> {
  const text = await readFile(join(ROOT, "README.md"), "utf8");
  const use = text.split("\n## Use\n")[1]?.split("\n## ")[0] ?? "";
  return [...use.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe("README", () => {
  it("the write example runs on a fresh folder and again on the same one; the read example reads it over HTTP", async () => {
    const [write, read] = await readmeBlocks();
    expect(write).toContain("openOrCreate");
    expect(read).toContain('httpStorage("http://127.0.0.1:8080")');
    const { dir, cleanup } = await makeTempDir("icechunk-readme-");
    cleanups.push(cleanup);
    // the folder is a fresh ESM project that has the packages installed
    await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const tsx = async (name: string, code: string) => {
      await writeFile(join(dir, name), code);
      return run(join(ROOT, "node_modules/.bin/tsx"), ["--conditions=@icechunk-ts/source", name], {
        cwd: dir,
        timeout: 120_000,
      });
    };
    const first = await tsx("write.ts", write!);
    expect(first.stdout).toMatch(/^committed [0-9A-Z]{20}\n$/);
    const second = await tsx("write.ts", write!);
    expect(second.stdout).toMatch(/^committed [0-9A-Z]{20}\n$/);
    const served = await serveDirectory(join(dir, "repo"));
    try {
      const out = await tsx("read.ts", read!.replace("http://127.0.0.1:8080", served.url));
      expect(out.stdout).toContain("[ 42, 42, 42, 42, 42 ]");
    } finally {
      await served.close();
    }
  });
});
