/**
 * @module repo-core/config
 * RepositoryConfig: the camelCase shape users pass (names as in `@earthmover/icechunk`), and its
 * serde form (snake_case, Rust enum encoding) that Rust persists in the `repo` object (FlexBuffers,
 * spec 2) or in `config.yaml` (spec 1). Unknown serde fields are kept, so a config round-trips.
 * See the format notes §4.8 and §11.7.
 */
import { InvalidConfigError } from "../errors.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../format/json-value.js";
import { validateSerdeConfig } from "./config-schema.js";

/** Options of an S3-compatible object store (serde `S3Options`). */
export interface S3Options {
  region?: string;
  endpointUrl?: string;
  anonymous?: boolean;
  allowHttp?: boolean;
  forcePathStyle?: boolean;
  networkStreamTimeoutSeconds?: number;
  requesterPays?: boolean;
}

/** Where a virtual chunk container's objects live (the binding's `ObjectStoreConfig`). */
export type ObjectStoreConfig =
  | { type: "InMemory" }
  | { type: "LocalFileSystem"; field0: string }
  | { type: "Http"; field0: Record<string, string> }
  | { type: "S3Compatible"; field0: S3Options }
  | { type: "S3"; field0: S3Options }
  | { type: "Gcs"; field0: Record<string, string> }
  | { type: "Azure"; field0: Record<string, string> }
  | { type: "Tigris"; field0: S3Options };

/** A virtual chunk container: virtual refs whose URL starts with `urlPrefix` live there. */
export interface VirtualChunkContainer {
  name?: string;
  urlPrefix: string;
  store: ObjectStoreConfig;
}

/** Repository configuration. Every field is optional; absent fields take the library defaults. */
export interface RepositoryConfig {
  /** Chunks of at most this many bytes are stored inline in the manifest. Default 512. */
  inlineChunkThresholdBytes?: number;
  /** Concurrency of multi-key reads. Default 10. */
  getPartialValuesConcurrency?: number;
  /** zstd level of metadata files. Default 3. */
  compression?: { algorithm?: "zstd"; level?: number };
  /** Storage requests in flight at most. Default 256. */
  maxConcurrentRequests?: number;
  /** Cache sizes: snapshot nodes (500 000), chunk refs (15 000 000). */
  caching?: {
    numSnapshotNodes?: number;
    numChunkRefs?: number;
    numTransactionChanges?: number;
    numBytesAttributes?: number;
    numBytesChunks?: number;
  };
  /** Storage settings in serde form (kept verbatim). */
  storage?: JsonObject;
  /** Virtual chunk containers by URL prefix. */
  virtualChunkContainers?: Record<string, VirtualChunkContainer>;
  /** Manifest config in serde form (preload, splitting, location compression), as in the official binding. */
  manifest?: JsonObject;
  /** Retries of `repo` object updates. Default 100 tries, 50 ms to 30 s backoff. */
  repoUpdateRetries?: {
    default?: { maxTries?: number; initialBackoffMs?: number; maxBackoffMs?: number };
  };
  /** Ops-log entries per repo info file. Default 1000. */
  numUpdatesPerRepoInfoFile?: number;
}

/** The defaults upstream applies when a field is unset. */
export const DEFAULT_INLINE_CHUNK_THRESHOLD_BYTES = 512;
export const DEFAULT_COMPRESSION_LEVEL = 3;
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 256;
export const DEFAULT_NUM_SNAPSHOT_NODES = 500_000;
export const DEFAULT_NUM_CHUNK_REFS = 15_000_000;
export const DEFAULT_NUM_UPDATES_PER_REPO_INFO_FILE = 1000;

const STORE_VARIANTS = {
  in_memory: "InMemory",
  local_file_system: "LocalFileSystem",
  http: "Http",
  s3_compatible: "S3Compatible",
  s3: "S3",
  gcs: "Gcs",
  azure: "Azure",
  tigris: "Tigris",
} as const;

const S3_FIELDS: Array<[keyof S3Options, string]> = [
  ["region", "region"],
  ["endpointUrl", "endpoint_url"],
  ["anonymous", "anonymous"],
  ["allowHttp", "allow_http"],
  ["forcePathStyle", "force_path_style"],
  ["networkStreamTimeoutSeconds", "network_stream_timeout_seconds"],
  ["requesterPays", "requester_pays"],
];

function num(v: JsonValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}
function str(v: JsonValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}
function stringMap(v: JsonValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (isJsonObject(v))
    for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

function storeFromSerde(v: JsonValue | undefined): ObjectStoreConfig | undefined {
  if (typeof v === "string") return v === "in_memory" ? { type: "InMemory" } : undefined;
  if (!isJsonObject(v)) return undefined;
  const [variant, inner] = Object.entries(v)[0] ?? [];
  switch (variant) {
    case "in_memory":
      return { type: "InMemory" };
    case "local_file_system":
      return { type: "LocalFileSystem", field0: str(inner) ?? "" };
    case "http":
      return { type: "Http", field0: stringMap(inner) };
    case "gcs":
      return { type: "Gcs", field0: stringMap(inner) };
    case "azure":
      return { type: "Azure", field0: stringMap(inner) };
    case "s3_compatible":
    case "s3":
    case "tigris": {
      const o: S3Options = {};
      if (isJsonObject(inner))
        for (const [camel, snake] of S3_FIELDS) {
          const x = inner[snake];
          if (x === null || x === undefined) continue;
          (o as Record<string, unknown>)[camel] = typeof x === "bigint" ? Number(x) : x;
        }
      return { type: STORE_VARIANTS[variant], field0: o };
    }
    default:
      return undefined;
  }
}

function storeToSerde(s: ObjectStoreConfig): JsonValue {
  switch (s.type) {
    case "InMemory":
      return "in_memory";
    case "LocalFileSystem":
      return { local_file_system: s.field0 };
    case "Http":
      return { http: { ...s.field0 } };
    case "Gcs":
      return { gcs: { ...s.field0 } };
    case "Azure":
      return { azure: { ...s.field0 } };
    case "S3Compatible":
    case "S3":
    case "Tigris": {
      const o: JsonObject = { anonymous: false, allow_http: false };
      for (const [camel, snake] of S3_FIELDS) {
        const x = s.field0[camel];
        if (x !== undefined) o[snake] = x;
      }
      const variant = { S3Compatible: "s3_compatible", S3: "s3", Tigris: "tigris" }[s.type];
      return { [variant]: o };
    }
  }
}

/**
 * Converts a persisted (serde-form) config to a RepositoryConfig. Invalid containers are dropped,
 * as upstream does.
 * @throws {InvalidConfigError} when a field does not fit upstream's schema (the official
 *   implementation cannot open such a repository either)
 */
export function configFromSerde(value: JsonValue | undefined): RepositoryConfig {
  validateSerdeConfig(value, "persisted");
  if (!isJsonObject(value)) return {};
  const c: RepositoryConfig = {};
  const inline = num(value.inline_chunk_threshold_bytes);
  if (inline !== undefined) c.inlineChunkThresholdBytes = inline;
  const gpv = num(value.get_partial_values_concurrency);
  if (gpv !== undefined) c.getPartialValuesConcurrency = gpv;
  if (isJsonObject(value.compression)) {
    const level = num(value.compression.level);
    c.compression = { algorithm: "zstd", ...(level !== undefined ? { level } : {}) };
  }
  const mcr = num(value.max_concurrent_requests);
  if (mcr !== undefined) c.maxConcurrentRequests = mcr;
  if (isJsonObject(value.caching)) {
    const k = value.caching;
    c.caching = {};
    const pairs: Array<[keyof NonNullable<RepositoryConfig["caching"]>, string]> = [
      ["numSnapshotNodes", "num_snapshot_nodes"],
      ["numChunkRefs", "num_chunk_refs"],
      ["numTransactionChanges", "num_transaction_changes"],
      ["numBytesAttributes", "num_bytes_attributes"],
      ["numBytesChunks", "num_bytes_chunks"],
    ];
    for (const [camel, snake] of pairs) {
      const n = num(k[snake]);
      if (n !== undefined) c.caching[camel] = n;
    }
  }
  if (isJsonObject(value.storage)) c.storage = value.storage;
  if (isJsonObject(value.manifest)) c.manifest = value.manifest;
  if (isJsonObject(value.virtual_chunk_containers)) {
    c.virtualChunkContainers = {};
    for (const [prefix, raw] of Object.entries(value.virtual_chunk_containers)) {
      if (!isJsonObject(raw)) continue;
      const store = storeFromSerde(raw.store);
      const urlPrefix = str(raw.url_prefix) ?? prefix;
      if (!store) continue;
      const name = str(raw.name);
      const container: VirtualChunkContainer = { urlPrefix, store, ...(name ? { name } : {}) };
      try {
        validateContainer(container);
      } catch {
        continue; // upstream drops invalid persisted containers (e.g. 1.x prefixes without a trailing '/')
      }
      c.virtualChunkContainers[urlPrefix] = container;
    }
  }
  if (isJsonObject(value.repo_update_retries) && isJsonObject(value.repo_update_retries.default)) {
    const d = value.repo_update_retries.default;
    c.repoUpdateRetries = {
      default: {
        ...(num(d.max_tries) !== undefined ? { maxTries: num(d.max_tries) } : {}),
        ...(num(d.initial_backoff_ms) !== undefined
          ? { initialBackoffMs: num(d.initial_backoff_ms) }
          : {}),
        ...(num(d.max_backoff_ms) !== undefined ? { maxBackoffMs: num(d.max_backoff_ms) } : {}),
      },
    };
  }
  const nu = num(value.num_updates_per_repo_info_file);
  if (nu !== undefined) c.numUpdatesPerRepoInfoFile = nu;
  return c;
}

/**
 * The serde form Rust deserializes (only set fields are written; missing ones read as None).
 * @throws {InvalidConfigError} when a field does not fit upstream's schema
 */
export function configToSerde(c: RepositoryConfig): JsonObject {
  const o: JsonObject = {};
  if (c.inlineChunkThresholdBytes !== undefined)
    o.inline_chunk_threshold_bytes = c.inlineChunkThresholdBytes;
  if (c.getPartialValuesConcurrency !== undefined)
    o.get_partial_values_concurrency = c.getPartialValuesConcurrency;
  if (c.compression) o.compression = { algorithm: "zstd", level: c.compression.level ?? null };
  if (c.maxConcurrentRequests !== undefined) o.max_concurrent_requests = c.maxConcurrentRequests;
  if (c.caching) {
    const k = c.caching;
    o.caching = {
      num_snapshot_nodes: k.numSnapshotNodes ?? null,
      num_chunk_refs: k.numChunkRefs ?? null,
      num_transaction_changes: k.numTransactionChanges ?? null,
      num_bytes_attributes: k.numBytesAttributes ?? null,
      num_bytes_chunks: k.numBytesChunks ?? null,
    };
  }
  if (c.storage) o.storage = c.storage;
  if (c.manifest) o.manifest = c.manifest;
  if (c.virtualChunkContainers) {
    const vcc: JsonObject = {};
    for (const container of Object.values(c.virtualChunkContainers)) {
      validateContainer(container);
      vcc[container.urlPrefix] = {
        name: container.name ?? null,
        url_prefix: container.urlPrefix,
        store: storeToSerde(container.store),
      };
    }
    o.virtual_chunk_containers = vcc;
  }
  if (c.repoUpdateRetries?.default) {
    const d = c.repoUpdateRetries.default;
    o.repo_update_retries = {
      default: {
        max_tries: d.maxTries ?? null,
        initial_backoff_ms: d.initialBackoffMs ?? null,
        max_backoff_ms: d.maxBackoffMs ?? null,
      },
    };
  }
  if (c.numUpdatesPerRepoInfoFile !== undefined)
    o.num_updates_per_repo_info_file = c.numUpdatesPerRepoInfoFile;
  validateSerdeConfig(o, "argument");
  return o;
}

const SCHEMES_FOR: Record<ObjectStoreConfig["type"], string[]> = {
  InMemory: ["memory"],
  LocalFileSystem: ["file"],
  Http: ["http", "https"],
  S3Compatible: ["s3"],
  S3: ["s3"],
  Tigris: ["tigris", "s3"],
  Gcs: ["gcs", "gs"],
  Azure: ["az", "azure", "abfs"],
};

/** Checks a container as upstream does: prefix ends with `/`, scheme fits the store. */
export function validateContainer(c: VirtualChunkContainer): void {
  if (!c.urlPrefix.endsWith("/"))
    throw new InvalidConfigError(
      "virtualChunkContainers",
      `the url_prefix '${c.urlPrefix}' must end with '/'`,
    );
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(c.urlPrefix)?.[1]?.toLowerCase();
  if (!scheme || !SCHEMES_FOR[c.store.type].includes(scheme))
    throw new InvalidConfigError(
      "virtualChunkContainers",
      `container '${c.urlPrefix}' has a URL scheme that does not fit its store type ${c.store.type}`,
    );
  if (c.name !== undefined && (c.name === "" || c.name.includes("/")))
    throw new InvalidConfigError(
      "virtualChunkContainers",
      `the container name '${c.name}' must be non-empty and contain no '/'`,
    );
}

/** `over` wins field by field (recursing into nested structs); containers are replaced wholesale. */
export function mergeConfig(
  base: RepositoryConfig,
  over: RepositoryConfig | undefined,
): RepositoryConfig {
  if (!over) return base;
  const out: RepositoryConfig = { ...base };
  for (const [k, v] of Object.entries(over) as Array<[keyof RepositoryConfig, unknown]>) {
    if (v === undefined) continue;
    const b = base[k];
    if (
      k !== "virtualChunkContainers" &&
      b &&
      typeof b === "object" &&
      v &&
      typeof v === "object" &&
      !Array.isArray(v)
    )
      (out as Record<string, unknown>)[k] = { ...(b as object), ...(v as object) };
    else (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
