/**
 * The packages as a user gets them: `pnpm pack` each one (its prepack builds dist/ with tsc -b),
 * install the four tarballs with npm into a fresh project (zarrita and @types/node from the
 * registry, through npm's cache), and there: run a plain `.mjs` program that reads repositories
 * the official implementation wrote, identically to the workspace sources; type-check a
 * TypeScript consumer under strict, non-strict, NodeNext, Node16 and Bundler resolution with the
 * strictest flags and `skipLibCheck: false`; bundle the browser read path with esbuild and with
 * Vite (no Node built-ins) and report its size; run the CLI's installed `icechunk-ts` bin. Phase
 * timings are printed.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import * as core from "@icechunk-ts/core";
import * as fs from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { build as esbuild } from "esbuild";
import { createLogger, build as viteBuild } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
// @ts-expect-error: plain JavaScript module without declarations (it runs as-is in the consumer)
import { digestRepository } from "./consumer/read-repo.mjs";
import { copyFixture, makeTempDir } from "./support/tmp.js";

const ROOT = join(import.meta.dirname, "..");
const PACKAGES = ["core", "zarrita", "s3", "cli"] as const;
const FIXTURES = ["test-repo-v1", "test-repo-v2"];
const run = promisify(execFile);
const sh = (cmd: string, args: string[], cwd: string) =>
  run(cmd, args, { cwd, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });

let project: string;
const tarballs = new Map<string, string>();
const cleanups: Array<() => Promise<void>> = [];
const timings: string[] = [];

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await f();
  } finally {
    timings.push(`${label} ${((performance.now() - start) / 1000).toFixed(1)} s`);
  }
}

beforeAll(async () => {
  const tmp = await makeTempDir("icechunk-ts-consumer-");
  cleanups.push(tmp.cleanup);
  const packs = join(tmp.dir, "packs");
  project = join(tmp.dir, "app");
  await mkdir(packs);
  await mkdir(project);
  await timed("build + pack", async () => {
    for (const name of PACKAGES) {
      const { stdout } = await sh(
        "pnpm",
        ["pack", "--pack-destination", packs],
        join(ROOT, "packages", name),
      );
      const file = stdout.trim().split("\n").pop()!.trim();
      expect(file).toMatch(new RegExp(`icechunk-ts-${name}-.*\\.tgz$`));
      tarballs.set(name, file);
    }
  });
  const manifest = {
    name: "icechunk-ts-consumer",
    private: true,
    type: "module",
    dependencies: {
      ...Object.fromEntries(PACKAGES.map((n) => [`@icechunk-ts/${n}`, `file:${tarballs.get(n)}`])),
      zarrita: "0.7.5",
      "@types/node": "20.19.43",
    },
  };
  await writeFile(join(project, "package.json"), JSON.stringify(manifest, null, 2));
  for (const file of ["main.mjs", "read-repo.mjs", "browser.ts", "node.ts"]) {
    await copyFile(join(import.meta.dirname, "consumer", file), join(project, file));
  }
  await timed("npm install", () =>
    sh(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
      project,
    ),
  );
}, 600_000);

afterAll(async () => {
  console.log(`consumer test: ${timings.join(", ")}`);
  for (const c of cleanups) await c();
});

describe("packed packages, installed with npm into a fresh project", () => {
  it("tarballs hold the build, declarations, maps, LICENSE and README; no tests, no workspace links", async () => {
    const license = await readFile(join(ROOT, "LICENSE"), "utf8");
    expect(license).toContain(
      "Apache License\n                           Version 2.0, January 2004",
    );
    for (const name of PACKAGES) {
      const tgz = tarballs.get(name)!;
      const { stdout } = await sh("tar", ["tzf", tgz], ROOT);
      const files = stdout.trim().split("\n");
      for (const f of ["LICENSE", "README.md", "package.json"])
        expect(files).toContain(`package/${f}`);
      for (const ext of [".js", ".js.map", ".d.ts", ".d.ts.map"])
        expect(files).toContain(`package/dist/index${ext}`);
      expect(files.filter((f) => /__tests__|\.test\.|tsbuildinfo|\/test\//.test(f))).toEqual([]);
      // declaration maps and source maps point at sources that are in the tarball
      const sources = files.filter((f) => f.startsWith("package/src/") && f.endsWith(".ts"));
      expect(sources.length).toBeGreaterThan(0);
      expect(
        files.filter((f) => f.startsWith("package/dist/") && f.endsWith(".d.ts")),
      ).toHaveLength(sources.length);
      const installed = join(project, "node_modules/@icechunk-ts", name);
      expect(await readFile(join(installed, "LICENSE"), "utf8")).toBe(license);
      const pkg = JSON.parse(await readFile(join(installed, "package.json"), "utf8"));
      const text = JSON.stringify(pkg);
      expect(text).not.toContain("workspace:");
      expect(text).not.toContain("@icechunk-ts/source");
      expect(text).not.toContain("./src/");
      expect(pkg).toMatchObject({
        license: "Apache-2.0",
        type: "module",
        sideEffects: false,
        engines: { node: ">=20" },
        exports: { ".": { types: "./dist/index.d.ts", import: "./dist/index.js" } },
      });
      for (const field of ["repository", "homepage", "keywords", "files", "description"])
        expect(pkg[field], field).toBeDefined();
    }
  });

  it("a plain .mjs program reads repositories the official implementation wrote, as the sources do", async () => {
    for (const name of FIXTURES) {
      const theirs = await copyFixture(name);
      const ours = await copyFixture(name);
      cleanups.push(theirs.cleanup, ours.cleanup);
      const { stdout } = await timed(`node main.mjs ${name}`, () =>
        sh(process.execPath, ["main.mjs", theirs.dir], project),
      );
      const out = JSON.parse(stdout) as { resolved: string[]; s3Storage: string; digest: unknown };
      for (const url of out.resolved)
        expect(url).toMatch(/\/node_modules\/@icechunk-ts\/[a-z0-9]+\/dist\/[a-z]+\.js$/);
      expect(out.s3Storage).toBe("function");
      const expected = await digestRepository({ core, fs, zarr, IcechunkStore }, ours.dir);
      expect(Object.keys(expected.arrays).length).toBeGreaterThan(0);
      expect(out.digest).toEqual(expected);
    }
  });

  it("the CLI's installed bin (node_modules/.bin/icechunk-ts) prints what the library returns", async () => {
    const theirs = await copyFixture("test-repo-v2");
    cleanups.push(theirs.cleanup);
    const installed = join(project, "node_modules/@icechunk-ts/cli");
    const pkg = JSON.parse(await readFile(join(installed, "package.json"), "utf8"));
    expect(pkg.bin).toEqual({ "icechunk-ts": "./dist/bin.js" });
    expect(await readFile(join(installed, "dist/bin.js"), "utf8")).toMatch(
      /^#!\/usr\/bin\/env node\n/,
    );
    const { stdout } = await timed("icechunk-ts branches", () =>
      sh(
        join(project, "node_modules/.bin/icechunk-ts"),
        ["branches", theirs.dir, "--json"],
        project,
      ),
    );
    const repo = await core.Repository.open(fs.localFilesystemStorage(theirs.dir));
    const branches = await repo.listBranches();
    expect(branches.length).toBeGreaterThan(1);
    expect(JSON.parse(stdout)).toEqual(
      Object.fromEntries(
        await Promise.all(branches.map(async (b) => [b, await repo.lookupBranch(b)])),
      ),
    );
    // a missing repository: exit code 4 and the library's message, no stack
    const failed = await sh(
      join(project, "node_modules/.bin/icechunk-ts"),
      ["branches", join(theirs.dir, "missing")],
      project,
    ).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failed?.code).toBe(4);
    expect(failed?.stderr).toMatch(
      /^icechunk-ts: error \[repository-not-found\]: no Icechunk repository found at [^\n]*\n$/,
    );
  });

  const STRICTEST = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noPropertyAccessFromIndexSignature: true,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    noUncheckedSideEffectImports: true,
    allowUnreachableCode: false,
    allowUnusedLabels: false,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    forceConsistentCasingInFileNames: true,
  };
  const BOTH = ["node.ts", "browser.ts"];
  const CONFIGS: Record<string, { files: string[]; compilerOptions: Record<string, unknown> }> = {
    "nodenext-strictest": {
      files: BOTH,
      compilerOptions: {
        ...STRICTEST,
        module: "NodeNext",
        target: "ES2022",
        lib: ["ES2022"],
        types: ["node"],
      },
    },
    "node16-strict-es2020": {
      files: BOTH,
      compilerOptions: {
        strict: true,
        module: "Node16",
        target: "ES2020",
        lib: ["ES2020"],
        types: ["node"],
      },
    },
    "nodenext-nonstrict": {
      files: BOTH,
      compilerOptions: { strict: false, module: "NodeNext", target: "ES2022", types: ["node"] },
    },
    "bundler-strictest-browser": {
      files: ["browser.ts"],
      compilerOptions: {
        ...STRICTEST,
        module: "ESNext",
        moduleResolution: "Bundler",
        target: "ES2022",
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        types: [],
      },
    },
    "bundler-preserve-node": {
      files: BOTH,
      compilerOptions: {
        ...STRICTEST,
        module: "Preserve",
        moduleResolution: "Bundler",
        target: "ESNext",
        types: ["node"],
      },
    },
  };

  /** Packages whose own declarations fail under some of these settings (not ours: reported, tolerated). */
  const THIRD_PARTY = /^node_modules\/(zarrita|@zarrita\/storage|numcodecs|unzipit)\//;
  const checks = new Map<string, Promise<string[]>>();
  const typeCheck = async (name: string): Promise<string[]> => {
    const config = CONFIGS[name]!;
    const file = join(project, `tsconfig.${name}.json`);
    const compilerOptions = { ...config.compilerOptions, noEmit: true, skipLibCheck: false };
    await writeFile(file, JSON.stringify({ ...config, compilerOptions }));
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const { stdout } = await timed(`tsc ${name}`, () =>
      sh(process.execPath, [tsc, "-p", file, "--pretty", "false"], project).catch(
        (err: { stdout?: string }) => ({ stdout: err.stdout || String(err) }),
      ),
    );
    return stdout.split("\n").filter((line) => line.trim() !== "");
  };
  beforeAll(() => {
    // two tsc processes at a time, in the background (each checks @types/node's and the AWS SDK's
    // declarations too); the tests below await their own
    const lanes = [Promise.resolve(), Promise.resolve()];
    Object.keys(CONFIGS).forEach((name, i) => {
      const result = lanes[i % 2]!.then(() => typeCheck(name));
      checks.set(name, result);
      lanes[i % 2] = result.then(
        () => {},
        () => {},
      );
    });
  });

  it.each(Object.keys(CONFIGS))(
    "declarations type-check under %s (skipLibCheck: false)",
    async (name) => {
      const lines = await checks.get(name)!;
      const ours = lines.filter((line) => !THIRD_PARTY.test(line));
      expect(ours).toEqual([]);
      if (lines.length > 0)
        console.log(
          `${name}: ${lines.length} errors in zarrita's dependencies' declarations (not ours)`,
        );
    },
    300_000,
  );

  it("the browser read path bundles with esbuild and with Vite, without Node built-ins", async () => {
    const entry = join(project, "browser.ts");
    const esbuildBundle = async (external: string[]): Promise<Uint8Array> => {
      const out = await timed("esbuild", () =>
        esbuild({
          entryPoints: [entry],
          absWorkingDir: project,
          bundle: true,
          platform: "browser",
          format: "esm",
          target: "es2022",
          minify: true,
          write: false,
          metafile: true,
          external,
          logLevel: "silent",
        }),
      );
      // bundled from the installed build, never from sources
      const inputs = Object.keys(out.metafile.inputs);
      expect(inputs.some((f) => f.includes("node_modules/@icechunk-ts/core/dist/"))).toBe(true);
      expect(inputs.filter((f) => f.includes("@icechunk-ts") && !f.includes("/dist/"))).toEqual([]);
      return out.outputFiles[0]!.contents;
    };

    const warnings: string[] = [];
    const logger = createLogger("warn", { allowClearScreen: false });
    logger.warn = (msg) => void warnings.push(msg);
    logger.warnOnce = (msg) => void warnings.push(msg);
    const vite = async (external: string[]): Promise<Uint8Array> => {
      const result = await timed("vite build", () =>
        viteBuild({
          configFile: false,
          root: project,
          logLevel: "warn",
          customLogger: logger,
          build: {
            write: false,
            minify: true,
            target: "es2022",
            lib: { entry, formats: ["es"], fileName: "read" },
            rollupOptions: { external },
          },
        }),
      );
      const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) =>
        "output" in r ? r.output : [],
      );
      const code = outputs.flatMap((o) => (o.type === "chunk" ? [o.code] : []));
      expect(code.length).toBeGreaterThan(0);
      return new TextEncoder().encode(code.join("\n"));
    };
    const bundles = [
      {
        tool: "esbuild",
        what: "the application (with zarrita)",
        bytes: await esbuildBundle([]),
      },
      { tool: "vite", what: "the application (with zarrita)", bytes: await vite([]) },
      {
        tool: "esbuild",
        what: "icechunk-ts's share (zarrita external)",
        bytes: await esbuildBundle(["zarrita"]),
      },
      {
        tool: "vite",
        what: "icechunk-ts's share (zarrita external)",
        bytes: await vite(["zarrita"]),
      },
    ];
    expect(warnings.filter((w) => /externalized|browser compatibility/i.test(w))).toEqual([]);
    for (const { tool, what, bytes } of bundles) {
      const text = new TextDecoder().decode(bytes);
      expect(text, tool).not.toMatch(
        /\bfrom\s*["']node:|\bimport\(\s*["']node:|require\(|__vite-browser-external|process\.versions/,
      );
      const gz = gzipSync(bytes, { level: 9 }).length;
      console.log(
        `browser read path, ${what}, ${tool}: ${(bytes.length / 1024).toFixed(1)} KB minified, ${(gz / 1024).toFixed(1)} KB gzipped`,
      );
      if (what.includes("share")) expect(gz).toBeLessThan(100 * 1024);
    }
  });
});
