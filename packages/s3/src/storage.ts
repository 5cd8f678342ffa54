/**
 * @module storage
 * `s3Storage(options)`: the core `Storage` contract on top of @aws-sdk/client-s3.
 * Conditional writes use `If-None-Match: *` / `If-Match: <unquoted etag>` and stamp
 * `icechunk_write_id`; a precondition failure or a lost response is resolved by a HEAD that looks
 * for our write id (lost-response recovery, Icechunk design doc 017).
 */
import { randomUUID } from "node:crypto";
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type {
  ByteRange,
  DeleteResult,
  GetOptions,
  GetResult,
  ListEntry,
  ObjectVersion,
  PutOptions,
  PutResult,
  Storage,
  StorageCallOptions,
} from "@icechunk-ts/core";
import {
  backoffDelayMs,
  isRetryableError,
  ReadOnlyStorageError,
  type ResolvedRetryOptions,
  resolveRetryOptions,
  type StorageSettings,
  settingFields,
} from "@icechunk-ts/core";
import { readBody } from "./body.js";
import { isNotFound, isNotModified, isPreconditionFailure } from "./errors.js";
import {
  addHeaders,
  checkKey,
  copySource,
  listPrefix,
  normalizePrefix,
  objectKey,
  stripQuotes,
} from "./keys.js";
import { Operation } from "./operation.js";
import { createS3Client, type S3Options } from "./options.js";

/** User-metadata key of the write id stamped on every conditional PUT. */
export const WRITE_ID_METADATA_KEY = "icechunk_write_id";
const DELETE_BATCH = 1000;
const DELETE_BATCHES_IN_FLIGHT = 10;

/** An S3-backed `Storage`, plus the client and resolved location it uses. */
export interface S3Storage extends Storage {
  readonly client: S3Client;
  readonly bucket: string;
  /** Normalised prefix (no leading/trailing slash; "" = bucket root). */
  readonly prefix: string;
  getIfModified(
    key: string,
    version: ObjectVersion,
    options?: StorageCallOptions,
  ): Promise<GetResult | "not-modified" | undefined>;
}

/**
 * Creates a Storage on an S3 bucket (AWS or any S3-compatible server).
 * Objects live at `<prefix>/<key>`. Absent credentials use the SDK default chain.
 * @example
 * import { Repository } from "@icechunk-ts/core";
 * import { s3Storage } from "@icechunk-ts/s3";
 * const storage = s3Storage({ bucket: "my-bucket", prefix: "repos/era5", region: "eu-west-1" });
 * const repo = await Repository.openOrCreate(storage);
 */
export function s3Storage(options: S3Options): S3Storage {
  const client = createS3Client(options);
  return new S3StorageImpl(client, options, resolveRetryOptions(options.retries));
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

class S3StorageImpl implements S3Storage {
  readonly canWrite: boolean;
  readonly bucket: string;
  readonly prefix: string;
  readonly description: string;

  constructor(
    public client: S3Client,
    private options: S3Options,
    private retries: ResolvedRetryOptions,
  ) {
    this.canWrite = options.readOnly !== true;
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix);
    this.description = `s3://${this.bucket}/${this.prefix}`;
    this.streamGraceMs = (options.networkStreamTimeoutSeconds ?? 60) * 1000;
  }

  /** Longest silence tolerated inside a response body before the read is retried (0: none). */
  private streamGraceMs: number;

  /**
   * `config.storage`: retries, timeouts (operation, attempt, connect; read = stalled-body limit)
   * rebuild the client with them; the unsafe flags are honoured at their default (true). Storage
   * classes, multipart and concurrency settings are not implemented and reported unapplied, as is
   * every setting when the caller passed a ready `client`.
   */
  applySettings(settings: StorageSettings): string[] {
    const fields = settingFields(settings);
    const builtIn = this.options.client === undefined;
    const applied = new Set<string>();
    const r = settings.retries;
    const t = settings.timeouts;
    if (builtIn) {
      const retries = { ...this.options.retries };
      if (r?.maxTries !== undefined) retries.maxAttempts = r.maxTries;
      if (r?.initialBackoffMs !== undefined) retries.initialBackoffMs = r.initialBackoffMs;
      if (r?.maxBackoffMs !== undefined) retries.maxBackoffMs = r.maxBackoffMs;
      const timeouts = { ...this.options.timeouts };
      if (t?.operationTimeoutMs !== undefined) timeouts.operationMs = t.operationTimeoutMs;
      if (t?.operationAttemptTimeoutMs !== undefined)
        timeouts.attemptMs = t.operationAttemptTimeoutMs;
      if (t?.connectTimeoutMs !== undefined) timeouts.connectMs = t.connectTimeoutMs;
      const options: S3Options = { ...this.options, retries, timeouts };
      if (t?.readTimeoutMs !== undefined)
        options.networkStreamTimeoutSeconds = t.readTimeoutMs / 1000;
      for (const f of fields)
        if (f.startsWith("retries.") || f.startsWith("timeouts.")) applied.add(f);
      this.options = options;
      this.retries = resolveRetryOptions(retries);
      this.streamGraceMs = (options.networkStreamTimeoutSeconds ?? 60) * 1000;
      this.client = createS3Client(options);
    }
    for (const [field, value] of [
      ["unsafe_use_conditional_update", settings.unsafeUseConditionalUpdate],
      ["unsafe_use_conditional_create", settings.unsafeUseConditionalCreate],
      ["unsafe_use_metadata", settings.unsafeUseMetadata],
    ] as const)
      if (value === true) applied.add(field);
    return fields.filter((f) => !applied.has(f));
  }

  private op(name: string, key: string, signal: AbortSignal | undefined): Operation {
    return new Operation(name, key, signal, this.options.timeouts?.operationMs);
  }

  /** Sends one command with the operation's signal (and requester-pays header when asked). */
  private send<T>(command: { middlewareStack: unknown }, op: Operation): Promise<T> {
    if (this.options.requesterPays) {
      addHeaders(command, "icechunkRequesterPays", { "x-amz-request-payer": "requester" });
    }
    const { extraReadHeaders: read, extraWriteHeaders: write } = this.options;
    if (read !== undefined || write !== undefined)
      addHeaders(
        command,
        "icechunkExtraHeaders",
        (method) => (READ_METHODS.has(method.toUpperCase()) ? read : write) ?? {},
      );
    // biome-ignore lint/suspicious/noExplicitAny: every command class is accepted by S3Client.send
    return this.client.send(command as any, { abortSignal: op.signal }) as Promise<T>;
  }

  async get(key: string, options?: GetOptions): Promise<GetResult | undefined> {
    checkKey(key);
    const op = this.op("get", key, options?.signal);
    const result = await op.run(() => this.fetch(key, options?.range, undefined, op));
    return result === "not-modified" ? undefined : result;
  }

  async getIfModified(
    key: string,
    version: ObjectVersion,
    options?: StorageCallOptions,
  ): Promise<GetResult | "not-modified" | undefined> {
    checkKey(key);
    const op = this.op("get", key, options?.signal);
    return op.run(() => this.fetch(key, undefined, stripQuotes(version.etag), op));
  }

  /** GET with retries that also cover the body download (broken or stalled streams). */
  private async fetch(
    key: string,
    range: ByteRange | undefined,
    ifNoneMatch: string | undefined,
    op: Operation,
  ): Promise<GetResult | "not-modified" | undefined> {
    const rangeHeader = range === undefined ? undefined : toRangeHeader(range);
    if (rangeHeader === null) return this.emptyRead(key, op);
    for (let attempt = 1; ; attempt++) {
      let out: GetObjectCommandOutput;
      try {
        out = await this.send<GetObjectCommandOutput>(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key: objectKey(this.prefix, key),
            Range: rangeHeader,
            IfNoneMatch: ifNoneMatch,
          }),
          op,
        );
      } catch (err) {
        if (isNotModified(err)) return "not-modified";
        if (isNotFound(err)) return undefined;
        // A range starting at or after the end of the object: no bytes.
        if (
          range !== undefined &&
          (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416
        ) {
          return this.emptyRead(key, op);
        }
        throw err;
      }
      try {
        const data = await readBody(out.Body, { graceMs: this.streamGraceMs, signal: op.signal });
        if (out.ContentLength !== undefined && data.length !== out.ContentLength) {
          throw Object.assign(
            new Error(`truncated body: ${data.length} of ${out.ContentLength} bytes`),
            {
              code: "ERR_STREAM_PREMATURE_CLOSE",
            },
          );
        }
        return { data, version: { etag: stripQuotes(out.ETag) } };
      } catch (err) {
        op.throwIfAborted();
        if (attempt >= this.retries.maxAttempts || !isRetryableError(err)) throw err;
        await op.sleep(backoffDelayMs(attempt - 1, this.retries));
      }
    }
  }

  /** A zero-length read: only the existence and version of the object matter. */
  private async emptyRead(key: string, op: Operation): Promise<GetResult | undefined> {
    const head = await this.head(key, op);
    return head && { data: new Uint8Array(0), version: { etag: stripQuotes(head.ETag) } };
  }

  private async head(key: string, op: Operation): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.send<HeadObjectCommandOutput>(
        new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey(this.prefix, key) }),
        op,
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Rejects a write on read-only storage (`readOnly: true`). */
  private writable(operation: string): void {
    if (!this.canWrite) throw new ReadOnlyStorageError(operation);
  }

  async put(key: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    checkKey(key);
    this.writable(`put '${key}'`);
    const op = this.op("put", key, options?.signal);
    return op.run(async () => {
      const condition = options?.condition;
      let ifNoneMatch: string | undefined;
      let ifMatch: string | undefined;
      if (condition && "ifNoneMatch" in condition) ifNoneMatch = "*";
      else if (condition) {
        const etag = stripQuotes(condition.ifMatch.etag);
        // A version without an ETag is the "for creation" version (as in Icechunk's VersionInfo).
        if (etag === undefined || etag === "") ifNoneMatch = "*";
        else ifMatch = etag; // Ceph RGW only accepts the unquoted form.
      }
      const writeId = condition ? randomUUID() : undefined;
      const metadata = {
        ...options?.metadata,
        ...(writeId ? { [WRITE_ID_METADATA_KEY]: writeId } : {}),
      };
      try {
        const out = await this.send<{ ETag?: string }>(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: objectKey(this.prefix, key),
            Body: data,
            ContentLength: data.length,
            ContentType: options?.contentType,
            Metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
            IfNoneMatch: ifNoneMatch,
            IfMatch: ifMatch,
          }),
          op,
        );
        return { kind: "written", version: { etag: stripQuotes(out.ETag) } };
      } catch (err) {
        op.throwIfAborted();
        if (writeId === undefined) throw err;
        const conflict = isPreconditionFailure(err) || (ifMatch !== undefined && isNotFound(err));
        // A precondition failure may be our own earlier attempt (the SDK retried after a lost
        // response); a transport failure or 5xx may hide a write that landed. HEAD decides.
        if (conflict || mayHaveLanded(err)) {
          const landed = await this.ownWrite(key, writeId, op);
          if (landed) return landed;
          if (conflict) return { kind: "version-mismatch" };
        }
        throw err;
      }
    });
  }

  /** `written` when the object now carries our write id (lost-response recovery), else undefined. */
  private async ownWrite(
    key: string,
    writeId: string,
    op: Operation,
  ): Promise<PutResult | undefined> {
    const head = await this.head(key, op);
    // Ceph RGW hands user-metadata names back with '_' turned into '-'.
    const meta = head?.Metadata ?? {};
    const found = meta[WRITE_ID_METADATA_KEY] ?? meta[WRITE_ID_METADATA_KEY.replaceAll("_", "-")];
    if (head === undefined || found !== writeId) return undefined;
    return { kind: "written", version: { etag: stripQuotes(head.ETag) } };
  }

  async copy(
    from: string,
    to: string,
    options?: StorageCallOptions & { ifMatch?: ObjectVersion },
  ): Promise<PutResult> {
    checkKey(from);
    checkKey(to);
    this.writable(`copy '${from}' to '${to}'`);
    const op = this.op("copy", from, options?.signal);
    return op.run(async () => {
      const etag = stripQuotes(options?.ifMatch?.etag);
      const command = new CopyObjectCommand({
        Bucket: this.bucket,
        Key: objectKey(this.prefix, to),
        CopySource: copySource(this.bucket, objectKey(this.prefix, from)),
        CopySourceIfMatch: etag,
      });
      // Ceph RGW (Pacific) ignores x-amz-copy-source-if-match and honours only the legacy header.
      if (etag !== undefined)
        addHeaders(command, "icechunkLegacyCopyIfMatch", { "x-amz-copy-if-match": etag });
      try {
        const out = await this.send<{ CopyObjectResult?: { ETag?: string } }>(command, op);
        return { kind: "written", version: { etag: stripQuotes(out.CopyObjectResult?.ETag) } };
      } catch (err) {
        op.throwIfAborted();
        if (etag !== undefined && (isPreconditionFailure(err) || isNotFound(err))) {
          return { kind: "version-mismatch" };
        }
        throw err;
      }
    });
  }

  async *list(prefix: string, options?: StorageCallOptions): AsyncIterable<ListEntry> {
    const s3Prefix = listPrefix(this.prefix, prefix);
    const op = this.op("list", prefix, options?.signal);
    try {
      // pages through `send`, so every page carries the extra and requester-pays headers
      let token: string | undefined;
      do {
        const page = await op.run(
          () =>
            this.send<ListObjectsV2CommandOutput>(
              new ListObjectsV2Command({
                Bucket: this.bucket,
                Prefix: s3Prefix === "" ? undefined : s3Prefix,
                MaxKeys: 1000,
                ContinuationToken: token,
              }),
              op,
            ),
          true,
        );
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined || !item.Key.startsWith(s3Prefix)) continue;
          yield {
            key: item.Key.slice(s3Prefix.length),
            size: item.Size ?? 0,
            lastModified: item.LastModified ?? new Date(0),
          };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } finally {
      op.dispose();
    }
  }

  async delete(keys: readonly string[], options?: StorageCallOptions): Promise<DeleteResult> {
    for (const key of keys) checkKey(key);
    this.writable("delete objects");
    const op = this.op("delete", keys[0] ?? "", options?.signal);
    return op.run(async () => {
      const batches: string[][] = [];
      for (let i = 0; i < keys.length; i += DELETE_BATCH)
        batches.push(keys.slice(i, i + DELETE_BATCH));
      let deletedObjects = 0;
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const batch = batches[next++];
          const out = await this.send<{ Errors?: unknown[] }>(
            new DeleteObjectsCommand({
              Bucket: this.bucket,
              Delete: {
                Objects: batch.map((key) => ({ Key: objectKey(this.prefix, key) })),
                Quiet: true,
              },
            }),
            op,
          );
          deletedObjects += batch.length - (out.Errors?.length ?? 0);
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(DELETE_BATCHES_IN_FLIGHT, batches.length) }, worker),
      );
      // S3 does not report the sizes of deleted objects.
      return { deletedObjects, deletedBytes: 0 };
    });
  }

  async lastModified(key: string, options?: StorageCallOptions): Promise<Date | undefined> {
    checkKey(key);
    const op = this.op("lastModified", key, options?.signal);
    return op.run(async () => (await this.head(key, op))?.LastModified);
  }
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n`; null for a zero-length range (no request needed). */
function toRangeHeader(range: ByteRange): string | null {
  if ("suffixLength" in range)
    return range.suffixLength <= 0 ? null : `bytes=-${range.suffixLength}`;
  if (range.length === undefined) return `bytes=${range.offset}-`;
  if (range.length <= 0) return null;
  return `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

/** Failures after which a conditional PUT may nevertheless have been stored. */
function mayHaveLanded(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === undefined || status >= 500 || isRetryableError(err);
}
