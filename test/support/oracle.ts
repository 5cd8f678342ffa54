/**
 * @module test/support/oracle
 * Bridge to the official implementation (`@earthmover/icechunk`) used as a test oracle.
 * `loadOracle()` loads the WASI build (memoized); `loadNativeOracle()` loads the native linux-x64
 * addon through a tiny glibc shim compiled at test time (undefined when that is impossible);
 * `oracleStorage(storage)` wraps any of our Storage objects as an oracle `Storage.newCustom` backend.
 * A process that loaded the oracle does not exit by itself: standalone scripts must call process.exit.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import type {
  StorageCopyObjectArgs,
  StorageDeleteBatchArgs,
  StorageGetObjectConditionalArgs,
  StorageGetObjectRangeArgs,
  StoragePutObjectArgs,
  StorageVersionInfo,
} from "@earthmover/icechunk";
import type {
  ObjectVersion,
  PutCondition,
  Storage,
} from "../../packages/core/src/storage/types.js";

/** The oracle module's type (WASI and native builds share it). */
export type Oracle = typeof import("@earthmover/icechunk");
/** An oracle `Storage` instance. */
export type OracleStorage = import("@earthmover/icechunk").Storage;

const require = createRequire(import.meta.url);

let wasi: Promise<Oracle> | undefined;

/** Loads the WASI build of the official implementation (memoized per process). */
export function loadOracle(): Promise<Oracle> {
  wasi ??= (async () => {
    process.env.NAPI_RS_FORCE_WASI ??= "error";
    return require("@earthmover/icechunk") as Oracle;
  })();
  return wasi;
}

const SHIM_C = `#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
int __isoc23_sscanf(const char *s, const char *fmt, ...) {
  va_list ap; va_start(ap, fmt); int r = vsscanf(s, fmt, ap); va_end(ap); return r;
}
long __isoc23_strtol(const char *s, char **end, int base) { return strtol(s, end, base); }
/* Registers as an (empty) N-API module so Node keeps the library loaded after process.dlopen. */
typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
napi_value napi_register_module_v1(napi_env env, napi_value exports) { (void)env; return exports; }
`;

let native: Promise<Oracle | undefined> | undefined;
/** Why the native oracle is unavailable (set once loadNativeOracle resolved undefined). */
export let nativeOracleUnavailableReason: string | undefined;

function buildShim(): string {
  const hash = createHash("sha256").update(SHIM_C).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `icechunk-ts-glibc-shim-${hash}`);
  const lib = join(dir, "libisoc23shim.so");
  if (existsSync(lib)) return lib;
  mkdirSync(dir, { recursive: true });
  const src = join(dir, `shim-${process.pid}.c`);
  const out = join(dir, `shim-${process.pid}.so`);
  writeFileSync(src, SHIM_C);
  execFileSync("cc", ["-shared", "-fPIC", "-O2", "-o", out, src], { stdio: "pipe" });
  renameSync(out, lib);
  return lib;
}

/**
 * Loads the native linux-x64-gnu build (full API: `Storage.newLocalFilesystem`, virtual refs,
 * every fixture). Resolves undefined (with `nativeOracleUnavailableReason`) when the platform is
 * not linux-x64, the package is not installed or the shim cannot be built. Memoized.
 */
export function loadNativeOracle(): Promise<Oracle | undefined> {
  native ??= (async () => {
    try {
      if (process.platform !== "linux" || process.arch !== "x64") throw new Error("not linux-x64");
      const fromPkg = createRequire(require.resolve("@earthmover/icechunk"));
      const addon = fromPkg.resolve(
        "@earthmover/icechunk-linux-x64-gnu/icechunk.linux-x64-gnu.node",
      );
      const shim = buildShim();
      process.dlopen(
        { exports: {} },
        shim,
        constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL,
      );
      return fromPkg(addon) as Oracle;
    } catch (err) {
      nativeOracleUnavailableReason = err instanceof Error ? err.message : String(err);
      return undefined;
    }
  })();
  return native;
}

/** Error thrown to the oracle for a missing object (its message must contain ObjectNotFound). */
function notFound(path: string): Error {
  return new Error(`ObjectNotFound: ${path}`);
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function toVersion(v: ObjectVersion): StorageVersionInfo {
  const out: StorageVersionInfo = {};
  if (v.etag !== undefined) out.etag = v.etag;
  if (v.generation !== undefined) out.generation = v.generation;
  return out;
}

function fromVersion(v: StorageVersionInfo | undefined | null): ObjectVersion {
  const out: { etag?: string; generation?: string } = {};
  if (v?.etag != null) out.etag = v.etag;
  if (v?.generation != null) out.generation = v.generation;
  return out;
}

function conditionOf(previous: StorageVersionInfo | undefined | null): PutCondition | undefined {
  if (previous == null) return undefined;
  if (previous.etag == null && previous.generation == null) return { ifNoneMatch: "*" };
  return { ifMatch: fromVersion(previous) };
}

/** The callback object for `Storage.newCustom` (error-first: the first argument is always null). */
export function oracleBackend(storage: Storage) {
  return {
    canWrite: async (_err: unknown) => storage.canWrite,
    getObjectRange: async (
      _err: unknown,
      { path, rangeStart, rangeEnd }: StorageGetObjectRangeArgs,
    ) => {
      const range =
        rangeStart == null
          ? undefined
          : rangeEnd == null
            ? { offset: rangeStart }
            : { offset: rangeStart, length: rangeEnd - rangeStart };
      const got = await storage.get(path, range ? { range } : {});
      if (got === undefined) throw notFound(path);
      return { data: toBuffer(got.data), version: toVersion(got.version) };
    },
    putObject: async (_err: unknown, args: StoragePutObjectArgs) => {
      const metadata = Object.fromEntries((args.metadata ?? []).map((kv) => [kv.key, kv.value]));
      const condition = conditionOf(args.previousVersion);
      const res = await storage.put(args.path, new Uint8Array(args.data), {
        ...(condition ? { condition } : {}),
        ...(args.contentType ? { contentType: args.contentType } : {}),
        metadata,
      });
      return res.kind === "written"
        ? { kind: "updated", newVersion: toVersion(res.version) }
        : { kind: "not_on_latest_version" };
    },
    copyObject: async (_err: unknown, { from, to, version }: StorageCopyObjectArgs) => {
      const ifMatch = fromVersion(version);
      const conditional = ifMatch.etag !== undefined || ifMatch.generation !== undefined;
      const res = await storage
        .copy(from, to, conditional ? { ifMatch } : {})
        .catch((err: unknown) => {
          if ((err as { status?: number }).status === 404) throw notFound(from);
          throw err;
        });
      return res.kind === "written"
        ? { kind: "updated", newVersion: toVersion(res.version) }
        : { kind: "not_on_latest_version" };
    },
    listObjects: async (_err: unknown, prefix: string) => {
      const out: Array<{ id: string; createdAt: Date; sizeBytes: number }> = [];
      for await (const e of storage.list(prefix)) {
        out.push({ id: e.key, createdAt: e.lastModified, sizeBytes: e.size });
      }
      return out;
    },
    deleteBatch: async (_err: unknown, { prefix, batch }: StorageDeleteBatchArgs) => {
      const p = prefix.replace(/^\/+|\/+$/g, "");
      const keys = batch.map((item) => (p === "" ? item.id : `${p}/${item.id}`));
      return storage.delete(keys);
    },
    getObjectLastModified: async (_err: unknown, path: string) => {
      const d = await storage.lastModified(path);
      if (d === undefined) throw notFound(path);
      return d;
    },
    getObjectConditional: async (
      _err: unknown,
      { path, previousVersion }: StorageGetObjectConditionalArgs,
    ) => {
      const prev = fromVersion(previousVersion);
      if (prev.etag !== undefined && storage.getIfModified) {
        const res = await storage.getIfModified(path, prev);
        if (res === undefined) throw notFound(path);
        if (res === "not-modified") return { kind: "on_latest_version" };
        return { kind: "modified", data: toBuffer(res.data), newVersion: toVersion(res.version) };
      }
      const got = await storage.get(path);
      if (got === undefined) throw notFound(path);
      if (prev.etag !== undefined && got.version.etag === prev.etag)
        return { kind: "on_latest_version" };
      return { kind: "modified", data: toBuffer(got.data), newVersion: toVersion(got.version) };
    },
  };
}

/**
 * Wraps one of our Storage objects as an oracle Storage (`Storage.newCustom`). Uses the WASI
 * oracle unless another loaded oracle module (e.g. the native one) is given.
 */
export async function oracleStorage(
  storage: Storage,
  options: { oracle?: Oracle } = {},
): Promise<OracleStorage> {
  const oracle = options.oracle ?? (await loadOracle());
  // The d.ts declares the callbacks without the leading error argument; they receive it at runtime.
  return oracle.Storage.newCustom(
    oracleBackend(storage) as unknown as Parameters<Oracle["Storage"]["newCustom"]>[0],
  );
}
