/**
 * @module repo-core/config-schema
 * Upstream's `RepositoryConfig` schema (icechunk `config.rs`, icechunk-storage `Settings` and
 * `S3Options`, as the official 2.2.2 build deserializes them) over the serde form: field names,
 * integer widths, enums and their externally tagged encoding (`"unit"` or `{variant: value}`),
 * tuples and nesting. A config that fails here is one the official implementation cannot open
 * ("error during metadata deserialization"), so it is refused before anything is written and
 * reported with the dotted path of the field when read from a repository. Unknown fields are
 * allowed, as serde ignores them. Recursive conditions are walked at most {@link MAX_CONFIG_DEPTH}
 * levels deep.
 */
import { InvalidConfigError } from "../errors.js";
import { isJsonObject, type JsonValue } from "../format/json-value.js";
import { rustRegex } from "../util/rust-regex.js";

/** Deepest nesting of a config value accepted (serde's own recursion limit is 128). */
export const MAX_CONFIG_DEPTH = 128;

interface Ctx {
  readonly source: "argument" | "persisted";
  depth: number;
}

type Check = (v: JsonValue | undefined, path: string, ctx: Ctx) => void;

const fail = (path: string, detail: string, ctx: Ctx): never => {
  throw new InvalidConfigError(path || "(root)", detail, ctx.source);
};

const show = (v: JsonValue | undefined): string => {
  if (typeof v === "bigint") return `${v}`;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function int(min: bigint, max: bigint, name: string): Check {
  return (v, path, ctx) => {
    const ok = (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
    if (!ok) fail(path, `expected ${name}, found ${show(v)}`, ctx);
    const b = BigInt(v as number | bigint);
    if (b < min || b > max) fail(path, `expected ${name} (${min}..=${max}), found ${show(v)}`, ctx);
  };
}

const u8 = int(0n, 255n, "an unsigned 8-bit integer");
const u16 = int(0n, 0xffffn, "an unsigned 16-bit integer");
const u32 = int(0n, 0xffffffffn, "an unsigned 32-bit integer");
const u64 = int(0n, 0xffffffffffffffffn, "an unsigned 64-bit integer");
const i32 = int(-0x80000000n, 0x7fffffffn, "a signed 32-bit integer");
const nonZeroU16 = int(1n, 0xffffn, "a non-zero unsigned 16-bit integer");
const nonZeroU64 = int(1n, 0xffffffffffffffffn, "a non-zero unsigned 64-bit integer");

const bool: Check = (v, path, ctx) => {
  if (typeof v !== "boolean") fail(path, `expected true or false, found ${show(v)}`, ctx);
};
const str: Check = (v, path, ctx) => {
  if (typeof v !== "string") fail(path, `expected a string, found ${show(v)}`, ctx);
};

/** A regex string; as an argument it must also compile (upstream silently never matches it). */
const regexStr: Check = (v, path, ctx) => {
  str(v, path, ctx);
  if (ctx.source === "persisted") return;
  try {
    rustRegex(v as string);
  } catch (err) {
    fail(path, `the regex ${show(v)} does not compile (${(err as Error).message})`, ctx);
  }
};

/** `Option<T>`: absent or null, else T. */
const opt =
  (inner: Check): Check =>
  (v, path, ctx) => {
    if (v !== undefined && v !== null) inner(v, path, ctx);
  };

const join = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

function nested(ctx: Ctx, path: string, body: () => void): void {
  if (++ctx.depth > MAX_CONFIG_DEPTH) fail(path, `nested deeper than ${MAX_CONFIG_DEPTH}`, ctx);
  try {
    body();
  } finally {
    ctx.depth--;
  }
}

/** A struct: every listed field checked (absent fields must be optional: wrap them in `opt`). */
function struct(fields: Record<string, Check>, required: readonly string[] = []): Check {
  return (v, path, ctx) => {
    if (!isJsonObject(v)) fail(path, `expected a map, found ${show(v)}`, ctx);
    const o = v as Record<string, JsonValue>;
    nested(ctx, path, () => {
      for (const name of required)
        if (!Object.hasOwn(o, name)) fail(join(path, name), "missing field", ctx);
      for (const [name, check] of Object.entries(fields))
        check(Object.hasOwn(o, name) ? o[name] : undefined, join(path, name), ctx);
    });
  };
}

const seq =
  (inner: Check): Check =>
  (v, path, ctx) => {
    if (!Array.isArray(v)) fail(path, `expected a sequence, found ${show(v)}`, ctx);
    nested(ctx, path, () => {
      for (const [i, x] of (v as JsonValue[]).entries()) inner(x, join(path, i), ctx);
    });
  };

const tuple =
  (...items: Check[]): Check =>
  (v, path, ctx) => {
    if (!Array.isArray(v) || v.length !== items.length)
      fail(path, `expected a sequence of ${items.length} elements, found ${show(v)}`, ctx);
    nested(ctx, path, () => {
      for (const [i, c] of items.entries()) c((v as JsonValue[])[i], join(path, i), ctx);
    });
  };

const stringMap: Check = (v, path, ctx) => {
  if (!isJsonObject(v)) fail(path, `expected a map of strings, found ${show(v)}`, ctx);
  for (const [k, x] of Object.entries(v as Record<string, JsonValue>)) str(x, join(path, k), ctx);
};

/**
 * An externally tagged enum: unit variants (`null` here) are `"name"` or `{name: null}`, the others
 * `{name: value}` with exactly one key.
 */
function enumOf(variants: Record<string, Check | null>): Check {
  const names = Object.keys(variants).join(", ");
  return (v, path, ctx) => {
    if (typeof v === "string") {
      if (variants[v] === null && Object.hasOwn(variants, v)) return;
      fail(path, `unknown or non-unit variant ${show(v)}, expected one of ${names}`, ctx);
    }
    if (!isJsonObject(v)) fail(path, `expected a string or a one-key map, found ${show(v)}`, ctx);
    const entries = Object.entries(v as Record<string, JsonValue>);
    if (entries.length !== 1) fail(path, "expected a map with a single key (the variant)", ctx);
    const [name, inner] = entries[0]!;
    if (!Object.hasOwn(variants, name))
      fail(path, `unknown variant ${show(name)}, expected one of ${names}`, ctx);
    const check = variants[name];
    if (check === null) {
      if (inner !== null) fail(join(path, name), "a unit variant takes no value", ctx);
      return;
    }
    nested(ctx, path, () => check!(inner, join(path, name), ctx));
  };
}

/** A recursive enum: `self` is filled in after construction. */
function recursive(make: (self: Check) => Check): Check {
  let self: Check = () => {};
  const forward: Check = (v, p, c) => self(v, p, c);
  self = make(forward);
  return self;
}

const regexStruct = struct({ regex: regexStr }, ["regex"]);
const bound = enumOf({ Unbounded: null, Included: u32, Excluded: u32 });

const preloadCondition = recursive((self) =>
  enumOf({
    or: seq(self),
    and: seq(self),
    path_matches: regexStruct,
    name_matches: regexStruct,
    num_refs: struct({ from: bound, to: bound }, ["from", "to"]),
    true: null,
    false: null,
  }),
);

const splitCondition = recursive((self) =>
  enumOf({
    or: seq(self),
    and: seq(self),
    path_matches: regexStruct,
    name_matches: regexStruct,
    any_array: null,
  }),
);

const splitDim = struct(
  {
    condition: enumOf({ Axis: u64, DimensionName: str, Any: null }),
    num_chunks: u32,
  },
  ["condition", "num_chunks"],
);

const manifest = struct({
  max_concurrent_manifest_fetches_during_commit: opt(u16),
  preload: opt(
    struct({
      max_total_refs: opt(u32),
      preload_if: opt(preloadCondition),
      max_arrays_to_scan: opt(u32),
    }),
  ),
  splitting: opt(struct({ split_sizes: opt(seq(tuple(splitCondition, seq(splitDim)))) })),
  virtual_chunk_location_compression: opt(
    struct({
      min_num_chunks: opt(u16),
      dictionary_max_training_samples: opt(u16),
      dictionary_max_size_bytes: opt(u32),
      compression_level: opt(i32),
    }),
  ),
});

const retries = struct({
  max_tries: opt(nonZeroU16),
  initial_backoff_ms: opt(u32),
  max_backoff_ms: opt(u32),
});

const storageSettings = struct({
  concurrency: opt(
    struct({
      max_concurrent_requests_for_object: opt(nonZeroU16),
      ideal_concurrent_request_size: opt(nonZeroU64),
    }),
  ),
  retries: opt(retries),
  timeouts: opt(
    struct({
      connect_timeout_ms: opt(u32),
      read_timeout_ms: opt(u32),
      operation_timeout_ms: opt(u32),
      operation_attempt_timeout_ms: opt(u32),
    }),
  ),
  unsafe_use_conditional_update: opt(bool),
  unsafe_use_conditional_create: opt(bool),
  unsafe_use_metadata: opt(bool),
  storage_class: opt(str),
  metadata_storage_class: opt(str),
  chunks_storage_class: opt(str),
  minimum_size_for_multipart_upload: opt(u64),
});

const s3Options = struct(
  {
    region: opt(str),
    endpoint_url: opt(str),
    anonymous: bool,
    allow_http: bool,
    force_path_style: opt(bool),
    network_stream_timeout_seconds: opt(u32),
    requester_pays: opt(bool),
  },
  ["anonymous", "allow_http"],
);

const objectStore = enumOf({
  in_memory: null,
  local_file_system: str,
  http: stringMap,
  s3_compatible: s3Options,
  s3: s3Options,
  gcs: stringMap,
  azure: stringMap,
  tigris: s3Options,
});

const container = struct({ name: opt(str), url_prefix: str, store: objectStore }, [
  "url_prefix",
  "store",
]);

const containers: Check = (v, path, ctx) => {
  if (!isJsonObject(v)) fail(path, `expected a map, found ${show(v)}`, ctx);
  for (const [k, x] of Object.entries(v as Record<string, JsonValue>))
    nested(ctx, path, () => container(x, join(path, k), ctx));
};

const repositoryConfig = struct({
  inline_chunk_threshold_bytes: opt(u16),
  get_partial_values_concurrency: opt(u16),
  compression: opt(struct({ algorithm: opt(enumOf({ zstd: null })), level: opt(u8) })),
  max_concurrent_requests: opt(u16),
  caching: opt(
    struct({
      num_snapshot_nodes: opt(u64),
      num_chunk_refs: opt(u64),
      num_transaction_changes: opt(u64),
      num_bytes_attributes: opt(u64),
      num_bytes_chunks: opt(u64),
    }),
  ),
  storage: opt(storageSettings),
  virtual_chunk_containers: opt(containers),
  manifest: opt(manifest),
  previous_file: opt(str),
  repo_update_retries: opt(struct({ default: opt(retries) })),
  num_updates_per_repo_info_file: opt(u16),
});

/**
 * Checks a config in serde form against upstream's schema.
 * @param source `"argument"` for a config about to be written or applied (regexes must compile
 *   too), `"persisted"` for one read from a repository.
 * @throws {InvalidConfigError} naming the first invalid field (dotted serde path)
 */
export function validateSerdeConfig(
  value: JsonValue | undefined,
  source: "argument" | "persisted",
): void {
  if (value === undefined || value === null) return;
  repositoryConfig(value, "", { source, depth: 0 });
}

/** Checks only a `manifest` config (serde form), as the official binding's `manifest` option takes it. */
export function validateManifestConfig(
  value: JsonValue | undefined,
  source: "argument" | "persisted",
): void {
  opt(manifest)(value, "manifest", { source, depth: 0 });
}
