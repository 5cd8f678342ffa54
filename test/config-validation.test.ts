/**
 * Repository configs are checked against upstream's schema (repo-core/config-schema.ts): an invalid
 * field is an `invalid-config` error that names it, before anything is written (create, reopen,
 * saveConfig) and when a hostile repository persists one (spec 1 config.yaml, spec 2 `repo`).
 * Differential: for generated manifest configs, valid and mutated, our schema and the official
 * implementation's serde accept exactly the same ones; generated valid configs written by us are
 * opened by the official implementation.
 */
import {
  type IcechunkError,
  inMemoryStorage,
  type JsonObject,
  type JsonValue,
  Repository,
  type RepositoryConfig,
  type Storage,
} from "@icechunk-ts/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FileType, REPO_INFO_PATH } from "../packages/core/src/format/constants.js";
import { encodeFlexbuffer } from "../packages/core/src/format/flexbuffers-encode.js";
import { decodeObjectFile, encodeObjectFile } from "../packages/core/src/format/object-file.js";
import { decodeRepoInfo, encodeRepoInfo } from "../packages/core/src/format/repo-info.js";
import { validateManifestConfig } from "../packages/core/src/repo-core/config-schema.js";
import { loadOracle, oracleStorage } from "./support/oracle.js";

const RUNS = Number(process.env.ICECHUNK_CONFIG_RUNS ?? 40);

async function keys(storage: Storage): Promise<string[]> {
  const out: string[] = [];
  for await (const e of storage.list("")) out.push(e.key);
  return out;
}

function expectInvalid(err: unknown, field: string) {
  expect((err as IcechunkError)?.kind, String(err)).toBe("invalid-config");
  expect((err as { field: string }).field).toBe(field);
  expect((err as Error).message).toContain(`'${field}'`);
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a failure");
}

/** Invalid configs (as users pass them) and the serde field each must name. */
const INVALID: Array<[string, RepositoryConfig, string]> = [
  [
    "preload_if a number",
    { manifest: { preload: { preload_if: 12345 } } },
    "manifest.preload.preload_if",
  ],
  [
    "max_total_refs a string",
    { manifest: { preload: { max_total_refs: "x" } } },
    "manifest.preload.max_total_refs",
  ],
  [
    "split_sizes a number",
    { manifest: { splitting: { split_sizes: 5 } } },
    "manifest.splitting.split_sizes",
  ],
  [
    "an uncompilable splitting regex",
    {
      manifest: {
        splitting: {
          split_sizes: [[{ path_matches: { regex: "(" } }, [{ condition: "Any", num_chunks: 2 }]]],
        },
      },
    },
    "manifest.splitting.split_sizes[0][0].path_matches.regex",
  ],
  [
    "num_chunks missing",
    { manifest: { splitting: { split_sizes: [["any_array", [{ condition: "Any" }]]] } } },
    "manifest.splitting.split_sizes[0][1][0].num_chunks",
  ],
  [
    "a lowercase dimension condition",
    {
      manifest: {
        splitting: { split_sizes: [["any_array", [{ condition: "any", num_chunks: 1 }]]] },
      },
    },
    "manifest.splitting.split_sizes[0][1][0].condition",
  ],
  [
    "inline threshold over u16",
    { inlineChunkThresholdBytes: 70_000 },
    "inline_chunk_threshold_bytes",
  ],
  ["a fractional concurrency", { maxConcurrentRequests: 2.5 }, "max_concurrent_requests"],
  ["a negative cache size", { caching: { numSnapshotNodes: -1 } }, "caching.num_snapshot_nodes"],
  ["compression level over u8", { compression: { level: 300 } }, "compression.level"],
  [
    "zero retries",
    { repoUpdateRetries: { default: { maxTries: 0 } } },
    "repo_update_retries.default.max_tries",
  ],
  [
    "a storage flag that is not a bool",
    { storage: { unsafe_use_conditional_update: "yes" } },
    "storage.unsafe_use_conditional_update",
  ],
  [
    "a storage class that is not a string",
    { storage: { storage_class: 5 } },
    "storage.storage_class",
  ],
];

describe("invalid configs are refused before anything is written", () => {
  for (const specVersion of [1, 2] as const)
    for (const [name, config, field] of INVALID)
      it(`spec ${specVersion}: ${name} → invalid-config naming ${field.slice(0, 60)}`, async () => {
        const storage = inMemoryStorage();
        expectInvalid(await failure(Repository.create(storage, { config, specVersion })), field);
        expect(await keys(storage)).toEqual([]);
      });

  it("a preload condition nested 1000 deep is refused at the depth limit, not with a RangeError", async () => {
    const deep = Array.from({ length: 1000 }).reduce<JsonValue>((x) => ({ or: [x] }), "true");
    const err = await failure(
      Repository.create(inMemoryStorage(), {
        config: { manifest: { preload: { preload_if: deep } } },
      }),
    );
    expect((err as IcechunkError).kind).toBe("invalid-config");
    expect((err as { field: string }).field).toMatch(/^manifest\.preload\.preload_if(\.or\[0\])+/);
    expect((err as Error).message).toContain("nested deeper than 128");
  });

  it("reopen with an invalid override fails before any request, and saveConfig never sees it", async () => {
    const storage = inMemoryStorage();
    const repo = await Repository.create(storage);
    const before = await storage.get(REPO_INFO_PATH);
    expectInvalid(
      await failure(repo.reopen({ config: { manifest: { preload: { max_total_refs: "x" } } } })),
      "manifest.preload.max_total_refs",
    );
    expect((await storage.get(REPO_INFO_PATH))?.data).toEqual(before?.data);
  });
});

describe("hostile persisted configs are typed errors naming the field", () => {
  it("spec 2: a `repo` object whose config does not fit the schema", async () => {
    const storage = inMemoryStorage();
    await Repository.create(storage);
    const got = (await storage.get(REPO_INFO_PATH))!;
    const info = decodeRepoInfo(decodeObjectFile(got.data, FileType.RepoInfo).payload);
    const bad = encodeFlexbuffer({ caching: { num_chunk_refs: "lots" } });
    const file = encodeObjectFile(FileType.RepoInfo, 2, encodeRepoInfo({ ...info, config: bad }));
    await storage.put(REPO_INFO_PATH, file);
    const err = await failure(Repository.open(storage));
    expectInvalid(err, "caching.num_chunk_refs");
    expect((err as { source: string }).source).toBe("persisted");
  });

  it("spec 1: a config.yaml whose field has the wrong type", async () => {
    const storage = inMemoryStorage();
    await Repository.create(storage, { specVersion: 1 });
    await storage.put("config.yaml", new TextEncoder().encode("max_concurrent_requests: many\n"));
    expectInvalid(await failure(Repository.open(storage)), "max_concurrent_requests");
  });
});

// ---------------------------------------------------------------------------------------------
// differential against the official implementation

const regex = fc.constantFrom(".*", "^t", "lat|lon", "(?i)^x$", "a[0-9]+");
const u32v = fc.nat({ max: 0xffffffff });
const bound = fc.oneof(
  fc.constant<JsonValue>("Unbounded"),
  u32v.map((n): JsonValue => ({ Included: n })),
  u32v.map((n): JsonValue => ({ Excluded: n })),
);
const preloadIf: fc.Arbitrary<JsonValue> = fc.letrec<{ c: JsonValue }>((tie) => ({
  c: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<JsonValue>("true", "false", { true: null }),
    regex.map((r): JsonValue => ({ path_matches: { regex: r } })),
    regex.map((r): JsonValue => ({ name_matches: { regex: r } })),
    fc.tuple(bound, bound).map(([from, to]): JsonValue => ({ num_refs: { from, to } })),
    fc.array(tie("c"), { maxLength: 3 }).map((xs): JsonValue => ({ or: xs })),
    fc.array(tie("c"), { maxLength: 3 }).map((xs): JsonValue => ({ and: xs })),
  ),
})).c;
const splitCond: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant<JsonValue>("any_array"),
  regex.map((r): JsonValue => ({ path_matches: { regex: r } })),
  regex.map((r): JsonValue => ({ name_matches: { regex: r } })),
);
const dim = fc.record({
  condition: fc.oneof(
    fc.constant<JsonValue>("Any"),
    fc.nat({ max: 5 }).map((n): JsonValue => ({ Axis: n })),
    regex.map((r): JsonValue => ({ DimensionName: r })),
  ),
  num_chunks: fc.integer({ min: 1, max: 0xffffffff }),
});
const validManifest: fc.Arbitrary<JsonObject> = fc.record(
  {
    preload: fc.record(
      { max_total_refs: u32v, max_arrays_to_scan: u32v, preload_if: preloadIf },
      { requiredKeys: [] },
    ),
    splitting: fc.record({
      split_sizes: fc.array(fc.tuple(splitCond, fc.array(dim, { maxLength: 3 })), {
        maxLength: 3,
      }),
    }),
    virtual_chunk_location_compression: fc.record(
      {
        min_num_chunks: fc.nat({ max: 0xffff }),
        dictionary_max_training_samples: fc.nat({ max: 0xffff }),
        dictionary_max_size_bytes: u32v,
        compression_level: fc.integer({ min: -5, max: 22 }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<JsonObject>;

/** Replaces one value somewhere in `v` (picked by `path`) with `replacement`. */
function mutate(v: JsonValue, path: number[], replacement: JsonValue): JsonValue {
  if (path.length === 0 || v === null || typeof v !== "object") return replacement;
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  if (entries.length === 0) return replacement;
  const [k, x] = entries[path[0]! % entries.length]!;
  const copy: JsonValue = Array.isArray(v) ? [...v] : { ...v };
  (copy as Record<string | number, JsonValue>)[k] = mutate(
    x as JsonValue,
    path.slice(1),
    replacement,
  );
  return copy;
}

const hostileValue = fc.oneof(
  fc.constantFrom<JsonValue>(
    -1,
    1.5,
    70_000,
    2 ** 33,
    "x",
    true,
    null,
    [],
    {},
    "Any",
    "any_array",
    "True",
  ),
  fc.constantFrom<JsonValue>({ Axis: -1 }, { Included: -1 }, { or: 5 }, { regex: 5 }, [1, 2, 3]),
);
const mutatedManifest = fc
  .tuple(validManifest, fc.array(fc.nat({ max: 7 }), { maxLength: 8 }), hostileValue)
  .map(([m, path, value]) => mutate(m, path, value));

describe("the official implementation agrees", () => {
  it(`manifest configs: ours accepts exactly what its serde accepts (${RUNS * 2} generated, valid and mutated)`, async () => {
    const oracle = await loadOracle();
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(validManifest, mutatedManifest), async (manifest) => {
        let ours = true;
        try {
          validateManifestConfig(manifest, "argument");
        } catch (e) {
          expect((e as IcechunkError).kind).toBe("invalid-config");
          ours = false;
        }
        let theirs = true;
        try {
          await oracle.Repository.create(await oracleStorage(inMemoryStorage()), {
            manifest,
          } as never);
        } catch {
          theirs = false;
        }
        expect(ours, JSON.stringify(manifest)).toBe(theirs);
        if (ours) accepted++;
        else refused++;
      }),
      { numRuns: RUNS * 2, seed: 9 },
    );
    console.log(`manifest configs: ${accepted} accepted and ${refused} refused by both`);
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);

  const validConfig: fc.Arbitrary<RepositoryConfig> = fc.record(
    {
      inlineChunkThresholdBytes: fc.nat({ max: 0xffff }),
      getPartialValuesConcurrency: fc.nat({ max: 0xffff }),
      compression: fc.record({ level: fc.integer({ min: 1, max: 22 }) }),
      maxConcurrentRequests: fc.integer({ min: 1, max: 0xffff }),
      caching: fc.record(
        { numSnapshotNodes: fc.maxSafeNat(), numChunkRefs: fc.maxSafeNat() },
        { requiredKeys: [] },
      ),
      manifest: validManifest,
      numUpdatesPerRepoInfoFile: fc.integer({ min: 1, max: 0xffff }),
      repoUpdateRetries: fc.record({
        default: fc.record(
          { maxTries: fc.integer({ min: 1, max: 0xffff }), initialBackoffMs: u32v },
          { requiredKeys: [] },
        ),
      }),
    },
    { requiredKeys: [] },
  );

  it(`generated valid configs written by us open in the official implementation (${RUNS})`, async () => {
    const oracle = await loadOracle();
    let opened = 0;
    await fc.assert(
      fc.asyncProperty(validConfig, async (config) => {
        const storage = inMemoryStorage();
        await Repository.create(storage, { config });
        const theirs = await oracle.Repository.open(await oracleStorage(storage));
        if (config.inlineChunkThresholdBytes !== undefined)
          expect(theirs.config.inlineChunkThresholdBytes).toBe(config.inlineChunkThresholdBytes);
        if (config.maxConcurrentRequests !== undefined)
          expect(theirs.config.maxConcurrentRequests).toBe(config.maxConcurrentRequests);
        // and we read back what we wrote
        expect((await Repository.fetchConfig(storage))?.inlineChunkThresholdBytes).toBe(
          config.inlineChunkThresholdBytes,
        );
        opened++;
      }),
      { numRuns: RUNS, seed: 12 },
    );
    console.log(`valid configs opened by the official implementation: ${opened}`);
  }, 120_000);
});
