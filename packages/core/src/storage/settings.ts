/**
 * @module storage/settings
 * The repository's `config.storage` (upstream `icechunk_storage::Settings`, serde form) read into
 * a typed shape, and applied to the storage backend as upstream does: retries feed the retry
 * policy, timeouts bound operations and attempts. A backend reports the fields it cannot honour,
 * and opening or creating the repository then fails with UnsupportedStorageSettingError naming
 * the first one, so no setting is silently ignored. Backends without network I/O (memory,
 * filesystem) have no `applySettings`: upstream ignores these settings there too.
 */
import { InvalidConfigError, UnsupportedStorageSettingError } from "../errors.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../format/json-value.js";
import type { HttpRequestOptions } from "./http-util.js";
import type { Storage } from "./types.js";

/** Upstream `Settings`, every field optional (absent or null: the backend default). */
export interface StorageSettings {
  concurrency?: { maxConcurrentRequestsForObject?: number; idealConcurrentRequestSize?: number };
  retries?: { maxTries?: number; initialBackoffMs?: number; maxBackoffMs?: number };
  timeouts?: {
    connectTimeoutMs?: number;
    readTimeoutMs?: number;
    operationTimeoutMs?: number;
    operationAttemptTimeoutMs?: number;
  };
  unsafeUseConditionalUpdate?: boolean;
  unsafeUseConditionalCreate?: boolean;
  unsafeUseMetadata?: boolean;
  storageClass?: string;
  metadataStorageClass?: string;
  chunksStorageClass?: string;
  minimumSizeForMultipartUpload?: number;
}

const GROUPS = {
  concurrency: {
    max_concurrent_requests_for_object: "maxConcurrentRequestsForObject",
    ideal_concurrent_request_size: "idealConcurrentRequestSize",
  },
  retries: {
    max_tries: "maxTries",
    initial_backoff_ms: "initialBackoffMs",
    max_backoff_ms: "maxBackoffMs",
  },
  timeouts: {
    connect_timeout_ms: "connectTimeoutMs",
    read_timeout_ms: "readTimeoutMs",
    operation_timeout_ms: "operationTimeoutMs",
    operation_attempt_timeout_ms: "operationAttemptTimeoutMs",
  },
} as const;

const FLAGS = {
  unsafe_use_conditional_update: "unsafeUseConditionalUpdate",
  unsafe_use_conditional_create: "unsafeUseConditionalCreate",
  unsafe_use_metadata: "unsafeUseMetadata",
} as const;

const STRINGS = {
  storage_class: "storageClass",
  metadata_storage_class: "metadataStorageClass",
  chunks_storage_class: "chunksStorageClass",
} as const;

function bad(field: string, detail: string): InvalidConfigError {
  return new InvalidConfigError(`storage.${field}`, detail);
}

function count(field: string, v: JsonValue): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    throw bad(field, `must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Reads `config.storage` (serde form). Ill-typed fields are an InvalidConfigError; the serde names
 * of unknown fields (a newer upstream's) are returned in `unknown`.
 */
export function parseStorageSettings(json: JsonObject | undefined): {
  settings: StorageSettings;
  unknown: string[];
} {
  const out: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(json ?? {})) {
    if (value === null) continue;
    if (Object.hasOwn(GROUPS, key)) {
      const names = GROUPS[key as keyof typeof GROUPS] as Record<string, string>;
      if (!isJsonObject(value)) throw bad(key, "must be an object");
      const group: Record<string, number> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === null) continue;
        const name = names[k];
        if (name === undefined) unknown.push(`${key}.${k}`);
        else group[name] = count(`${key}.${k}`, v);
      }
      out[key] = group;
    } else if (Object.hasOwn(FLAGS, key)) {
      if (typeof value !== "boolean") throw bad(key, "must be true or false");
      out[FLAGS[key as keyof typeof FLAGS]] = value;
    } else if (Object.hasOwn(STRINGS, key)) {
      if (typeof value !== "string") throw bad(key, "must be a string");
      out[STRINGS[key as keyof typeof STRINGS]] = value;
    } else if (key === "minimum_size_for_multipart_upload") {
      out.minimumSizeForMultipartUpload = count(key, value);
    } else {
      unknown.push(key);
    }
  }
  return { settings: out as StorageSettings, unknown };
}

/** Serde names of the fields set in `settings`, e.g. `timeouts.connect_timeout_ms`. */
export function settingFields(settings: StorageSettings): string[] {
  const fields: string[] = [];
  const s = settings as Record<string, unknown>;
  for (const [group, names] of Object.entries(GROUPS)) {
    const g = s[group] as Record<string, unknown> | undefined;
    for (const [serde, name] of Object.entries(names))
      if (g?.[name] !== undefined) fields.push(`${group}.${serde}`);
  }
  for (const table of [
    FLAGS,
    STRINGS,
    { minimum_size_for_multipart_upload: "minimumSizeForMultipartUpload" },
  ])
    for (const [serde, name] of Object.entries(table))
      if (s[name] !== undefined) fields.push(serde);
  return fields;
}

/**
 * What a read-only HTTP backend takes from the settings: retries, attempt and operation timeouts,
 * and `read_timeout_ms` as the stalled-body limit (`concurrency`, which splits large reads, is
 * applied by the backend itself). Write-side settings (storage classes, conditional writes,
 * metadata, multipart) do not apply to read-only storage, as upstream's HTTP backend ignores
 * them; `connect_timeout_ms` cannot be honoured with `fetch` and is reported unapplied.
 */
export function httpSettingsOptions(settings: StorageSettings): {
  options: HttpRequestOptions;
  unapplied: string[];
} {
  const options: HttpRequestOptions = {};
  const r = settings.retries;
  if (r)
    options.retries = {
      ...(r.maxTries !== undefined ? { maxAttempts: r.maxTries } : {}),
      ...(r.initialBackoffMs !== undefined ? { initialBackoffMs: r.initialBackoffMs } : {}),
      ...(r.maxBackoffMs !== undefined ? { maxBackoffMs: r.maxBackoffMs } : {}),
    };
  const t = settings.timeouts;
  if (t?.operationAttemptTimeoutMs !== undefined)
    options.attemptTimeoutMs = t.operationAttemptTimeoutMs;
  if (t?.operationTimeoutMs !== undefined) options.operationTimeoutMs = t.operationTimeoutMs;
  if (t?.readTimeoutMs !== undefined) options.stalledStreamTimeoutMs = t.readTimeoutMs;
  const unapplied = settingFields(settings).filter((f) => f === "timeouts.connect_timeout_ms");
  return { options, unapplied };
}

/**
 * Applies `config.storage` to the backend (`Storage.applySettings`) and returns the fields it could
 * not honour. Settings the caller passes (`strict`, the default) are refused: throws
 * UnsupportedStorageSettingError for the first such field. Settings persisted in a repository
 * (`strict: false`) are applied where the backend can and otherwise ignored, as upstream's backends
 * ignore what they have no use for: a repository written elsewhere (with, say, upstream's S3
 * concurrency settings) still opens on every backend.
 */
export function applyStorageSettings(
  storage: Storage,
  json: JsonObject | undefined,
  options: { strict?: boolean } = {},
): string[] {
  const { settings, unknown } = parseStorageSettings(json);
  if (!storage.applySettings) return [];
  if (settingFields(settings).length === 0 && unknown.length === 0) return [];
  const unapplied = [...unknown, ...storage.applySettings(settings)];
  if (unapplied.length > 0 && (options.strict ?? true))
    throw new UnsupportedStorageSettingError(unapplied[0]!, storage.description);
  return unapplied;
}
