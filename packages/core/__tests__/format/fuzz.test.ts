/**
 * Fuzzing every decoder: random inputs and mutations of real inputs (Rust-written files of the
 * reference repositories, and values our encoders write) — byte flips, overwritten lengths,
 * truncations, deletions, duplicated and spliced ranges. Each input must end in success or a typed
 * IcechunkError (never another exception), within a per-input time bound and without a large
 * allocation. The bounds are stated in docs/design/006-hostile-input.md; the counts are printed.
 * CI runs ICECHUNK_FUZZ_RUNS=120 inputs per decoder and kind (random / mutated); raise it to fuzz
 * longer, e.g. `ICECHUNK_FUZZ_RUNS=20000 pnpm vitest run packages/core/__tests__/format/fuzz`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isIcechunkError } from "../../src/errors.js";
import { type FileType, HEADER_LENGTH } from "../../src/format/constants.js";
import { FlatBufferReader } from "../../src/format/flatbuffers/reader.js";
import { decodeFlexbuffer, encodeFlexbuffer } from "../../src/format/flexbuffers.js";
import { parseHeader, writeHeader } from "../../src/format/header.js";
import type { JsonValue } from "../../src/format/json-value.js";
import { decodeMsgpack, encodeMsgpack } from "../../src/format/msgpack.js";
import { decodeObjectFile } from "../../src/format/object-file.js";
import { decodeRepoInfo } from "../../src/format/repo-info.js";
import { parseYamlConfig, stringifyYamlConfig } from "../../src/format/yaml.js";
import { zstdCompress, zstdDecompress } from "../../src/format/zstd/index.js";
import { configFromSerde } from "../../src/repo-core/config.js";
import { parseRefFile } from "../../src/repo-core/v1.js";
import {
  cliDecompress,
  FIXTURES_ROOT,
  fixtureFiles,
  fixtureRepos,
  KIND_FILE_TYPE,
  type Kind,
  walkPayload,
} from "./fixtures.js";
import { zstdBomb } from "./zstd-helpers.js";

const RUNS = Number(process.env.ICECHUNK_FUZZ_RUNS ?? 120);
/** Per-input bounds (docs/design/006-hostile-input.md); generous so a loaded machine passes. */
const TIME_BOUND_MS = 2000;
const MEMORY_BOUND_MIB = 96;
/** zstd's own fuzz target caps output where the object-file limits would (their floor). */
const ZSTD_FUZZ_CAP = 16 * 2 ** 20;

interface Stats {
  inputs: number;
  ok: number;
  typed: number;
  maxMs: number;
  maxMiB: number;
}
const stats = new Map<string, Stats>();

/** Runs one input: success or a typed error, within the time and memory bounds. */
function runOne(name: string, decode: (bytes: Uint8Array) => void, bytes: Uint8Array): void {
  const s = stats.get(name) ?? { inputs: 0, ok: 0, typed: 0, maxMs: 0, maxMiB: 0 };
  stats.set(name, s);
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  try {
    decode(bytes);
    s.ok++;
  } catch (err) {
    if (!isIcechunkError(err))
      throw new Error(`${name}: untyped ${String(err)} for ${bytes.length} bytes`, { cause: err });
    s.typed++;
  }
  const ms = performance.now() - t0;
  const m1 = process.memoryUsage();
  const mib =
    Math.max(0, m1.arrayBuffers - m0.arrayBuffers, m1.heapUsed - m0.heapUsed, m1.rss - m0.rss) /
    2 ** 20;
  s.inputs++;
  s.maxMs = Math.max(s.maxMs, ms);
  s.maxMiB = Math.max(s.maxMiB, mib);
  expect(ms, `${name}: ${bytes.length}-byte input took ${ms.toFixed(0)} ms`).toBeLessThan(
    TIME_BOUND_MS,
  );
  expect(
    mib,
    `${name}: ${bytes.length}-byte input grew memory by ${mib.toFixed(1)} MiB`,
  ).toBeLessThan(MEMORY_BOUND_MIB);
}

// ---------------------------------------------------------------------------------------------
// mutations

const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

type Mutation =
  | { op: "flip"; pos: number; bit: number }
  | { op: "set"; pos: number; value: number }
  | { op: "u32"; pos: number; value: number }
  | { op: "truncate"; pos: number }
  | { op: "delete"; pos: number; len: number }
  | { op: "duplicate"; pos: number; len: number; to: number }
  | { op: "splice"; pos: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), pos: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant("set" as const), pos: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({
    op: fc.constant("u32" as const),
    pos: fc.nat(),
    value: fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.nat({ max: 0xffffffff })),
  }),
  fc.record({ op: fc.constant("truncate" as const), pos: fc.nat() }),
  fc.record({ op: fc.constant("delete" as const), pos: fc.nat(), len: fc.nat({ max: 64 }) }),
  fc.record({
    op: fc.constant("duplicate" as const),
    pos: fc.nat(),
    len: fc.nat({ max: 256 }),
    to: fc.nat(),
  }),
  fc.record({
    op: fc.constant("splice" as const),
    pos: fc.nat(),
    bytes: fc.uint8Array({ maxLength: 16 }),
  }),
);

function applyMutation(b: Uint8Array, m: Mutation): Uint8Array {
  if (b.length === 0) return m.op === "splice" ? m.bytes : b;
  const p = m.pos % b.length;
  switch (m.op) {
    case "flip": {
      const c = b.slice();
      c[p]! ^= 1 << m.bit;
      return c;
    }
    case "set": {
      const c = b.slice();
      c[p] = m.value;
      return c;
    }
    case "u32": {
      const c = b.slice();
      for (let i = 0; i < 4 && p + i < c.length; i++) c[p + i] = (m.value >>> (8 * i)) & 0xff;
      return c;
    }
    case "truncate":
      return b.slice(0, p);
    case "delete":
      return new Uint8Array([...b.subarray(0, p), ...b.subarray(p + m.len)]);
    case "duplicate": {
      const piece = b.subarray(p, p + m.len);
      const to = m.to % (b.length + 1);
      return new Uint8Array([...b.subarray(0, to), ...piece, ...b.subarray(to)]);
    }
    case "splice":
      return new Uint8Array([...b.subarray(0, p), ...m.bytes, ...b.subarray(p)]);
  }
}

const mutated = (seeds: readonly Uint8Array[]) =>
  fc
    .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }))
    .map(([i, ms]) => ms.reduce(applyMutation, seeds[i]!));

// ---------------------------------------------------------------------------------------------
// seeds: real files and what our encoders write

const KINDS: Kind[] = ["snapshots", "manifests", "transactions", "repo"];
/** The smaller files of each kind and spec (the mutators copy inputs; big seeds only slow them). */
function objectSeeds(kind: Kind) {
  return fixtureFiles(kind)
    .filter((f) => f.bytes.length < 64 * 1024)
    .sort((a, b) => a.bytes.length - b.bytes.length)
    .slice(0, 6);
}
const files = new Map(KINDS.map((k) => [k, objectSeeds(k)]));
const payloads = new Map(
  KINDS.map((k) => [
    k,
    files
      .get(k)!
      .map((f) => ({ spec: f.header.specVersion as 1 | 2, payload: cliDecompress(f.bytes) })),
  ]),
);
const textFiles = (rel: (repo: string) => string[]) =>
  fixtureRepos().flatMap((repo) =>
    rel(repo).flatMap((p) => {
      try {
        return [new Uint8Array(readFileSync(join(FIXTURES_ROOT, repo, p)))];
      } catch {
        return [];
      }
    }),
  );
const utf8 = new TextEncoder();
const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);

const SAMPLE_VALUES: JsonValue[] = [
  { a: 1, b: [true, false, null], c: "x", d: -5, e: 1.5, f: 2n ** 40n },
  [1, [2, [3, [4, [5]]]], { k: { k: { k: "v" } } }],
  { caching: { num_snapshot_nodes: 10 }, manifest: { preload: { preload_if: "true" } } },
  "a string",
  12345678901,
];
const flexSeeds = [
  ...SAMPLE_VALUES.map((v) => encodeFlexbuffer(v)),
  ...payloads.get("repo")!.flatMap(({ payload }) => {
    try {
      const c = decodeRepoInfo(payload).config;
      return c ? [c] : [];
    } catch {
      return [];
    }
  }),
];
const msgpackSeeds = [
  ...SAMPLE_VALUES.map((v) => encodeMsgpack(v)),
  new Uint8Array(100_000).fill(0x91), // fixarray(1) nested 100,000 deep
  new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]), // array32 claiming 4 billion elements
];
const yamlSeeds = [
  ...textFiles(() => ["config.yaml"]),
  utf8.encode(
    stringifyYamlConfig({
      inline_chunk_threshold_bytes: 12,
      manifest: {
        splitting: {
          split_sizes: [[{ path_matches: { regex: ".*" } }, [{ condition: "Any", num_chunks: 3 }]]],
        },
      },
      virtual_chunk_containers: {
        "s3://b/": {
          name: null,
          url_prefix: "s3://b/",
          store: { s3: { anonymous: false, allow_http: false } },
        },
      },
    }),
  ),
  utf8.encode(`a:\n${"- ".repeat(10_000)}x\n`),
  utf8.encode(`a: ${deep(5000, "[", "]")}\n`),
];
const refSeeds = textFiles((repo) =>
  [
    "refs/branch.main/ref.json",
    "refs/branch.feature/ref.json",
    "refs/tag.protect-b/ref.json",
  ].filter(() => repo.includes("v1")),
);
const zstdSeeds = [
  ...KINDS.flatMap((k) => files.get(k)!.map((f) => f.bytes.subarray(HEADER_LENGTH))),
  zstdCompress(utf8.encode("icechunk ".repeat(5000)), { level: 3 }),
  zstdBomb(2000), // 256 MiB of RLE blocks in 8 KB
];
/** Bombs stored as each metadata file type (refused from their block headers, before allocating). */
const bombFiles = KINDS.map((k) => {
  const header = writeHeader({ specVersion: 2, fileType: KIND_FILE_TYPE[k] });
  return new Uint8Array([...header, ...zstdBomb(2000)]);
});

// ---------------------------------------------------------------------------------------------
// targets

/** Walks a flatbuffer generically: every slot of the root read as every kind of field. */
function walkFlatbuffer(bytes: Uint8Array): void {
  const r = new FlatBufferReader(bytes, { what: "fuzz" });
  const root = r.root();
  const attempt = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      if (!isIcechunkError(err)) throw err;
    }
  };
  for (let slot = 0; slot < 12; slot++) {
    attempt(() => r.string(root, slot));
    attempt(() => r.bytesField(root, slot));
    attempt(() => r.table(root, slot));
    attempt(() => r.bool(root, slot, false));
    attempt(() => {
      const v = r.vector(root, slot, 4);
      if (v === 0) return;
      const n = Math.min(r.vectorLength(v), 64);
      for (let i = 0; i < n; i++) {
        attempt(() => r.vectorTable(v, i));
        attempt(() => r.vectorString(v, i));
      }
    });
  }
}

interface Target {
  name: string;
  seeds: Uint8Array[];
  decode: (bytes: Uint8Array) => void;
  randomMax: number;
}

const textOf = (b: Uint8Array) => new TextDecoder().decode(b);

const targets: Target[] = [
  {
    name: "header",
    seeds: KINDS.flatMap((k) => files.get(k)!.map((f) => f.bytes.slice(0, HEADER_LENGTH + 8))),
    decode: (b) => void parseHeader(b),
    randomMax: 64,
  },
  {
    name: "object file (header + zstd + flatbuffer)",
    seeds: [...KINDS.flatMap((k) => files.get(k)!.map((f) => f.bytes)), ...bombFiles],
    decode: (b) => {
      const type = b[37];
      const kind = KINDS.find((k) => KIND_FILE_TYPE[k] === type) ?? "snapshots";
      const { header, payload } = decodeObjectFile(b, KIND_FILE_TYPE[kind] as FileType);
      walkPayload(kind, payload, header.specVersion as 1 | 2);
    },
    randomMax: 2048,
  },
  {
    name: "zstd",
    seeds: zstdSeeds,
    decode: (b) => void zstdDecompress(b, { maxOutputSize: ZSTD_FUZZ_CAP }),
    randomMax: 2048,
  },
  ...KINDS.map(
    (kind): Target => ({
      name: `${kind === "repo" ? "repo info" : kind} payload`,
      // the spec version travels in the first byte so random and mutated inputs try both
      seeds: payloads.get(kind)!.map(({ spec, payload }) => new Uint8Array([spec, ...payload])),
      decode: (b) => {
        const spec = (b[0]! & 1) === 1 ? 1 : 2;
        walkPayload(kind, b.subarray(1), spec);
        if (kind === "repo") {
          const config = decodeRepoInfo(b.subarray(1)).config;
          if (config) configFromSerde(decodeFlexbuffer(config));
        }
      },
      randomMax: 1024,
    }),
  ),
  {
    name: "FlexBuffers",
    seeds: flexSeeds,
    decode: (b) => void decodeFlexbuffer(b),
    randomMax: 512,
  },
  {
    name: "MessagePack",
    seeds: msgpackSeeds,
    decode: (b) => void decodeMsgpack(b),
    randomMax: 512,
  },
  {
    name: "ref JSON",
    seeds: refSeeds,
    decode: (b) => void parseRefFile(b, "refs/branch.main/ref.json"),
    randomMax: 128,
  },
  {
    name: "config YAML",
    seeds: yamlSeeds,
    decode: (b) => void configFromSerde(parseYamlConfig(textOf(b))),
    randomMax: 512,
  },
  {
    name: "flatbuffers reader",
    seeds: KINDS.flatMap((k) => payloads.get(k)!.map((p) => p.payload)),
    decode: walkFlatbuffer,
    randomMax: 1024,
  },
];

describe("fuzz: every decoder ends in success or a typed error, in bounded time and memory", () => {
  afterAll(() => {
    let total = 0;
    for (const [name, s] of stats) {
      total += s.inputs;
      console.log(
        `fuzz ${name}: ${s.inputs} inputs (${s.ok} decoded, ${s.typed} typed errors), ` +
          `max ${s.maxMs.toFixed(1)} ms and +${s.maxMiB.toFixed(1)} MiB per input`,
      );
    }
    console.log(`fuzz: ${total} inputs in all, none escaped as an untyped error`);
  });

  for (const t of targets) {
    it(`${t.name}: ${RUNS} random and ${RUNS} mutated inputs (${t.seeds.length} seeds)`, () => {
      expect(t.seeds.length).toBeGreaterThan(0);
      for (const seed of t.seeds) runOne(t.name, t.decode, seed);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: t.randomMax }), (b) => runOne(t.name, t.decode, b)),
        { numRuns: RUNS, seed: 6 },
      );
      fc.assert(
        fc.property(mutated(t.seeds), (b) => runOne(t.name, t.decode, b)),
        { numRuns: RUNS, seed: 7 },
      );
    }, 120_000);
  }
});
