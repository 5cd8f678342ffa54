/**
 * @module storage
 * `azureBlobStorage(options)`: the core `Storage` contract on an Azure Blob container
 * (@azure/storage-blob). Objects are block blobs at `<prefix>/<key>`; conditional writes use
 * `If-None-Match: *` (create only) and `If-Match: <etag>` (update only that version).
 */
import {
  AnonymousCredential,
  type BlobDownloadResponseParsed,
  ContainerClient,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import {
  AbortError,
  type DeleteResult,
  type GetOptions,
  type GetResult,
  IcechunkError,
  type ListEntry,
  type ObjectVersion,
  type PutOptions,
  type PutResult,
  ReadOnlyStorageError,
  type Storage,
  type StorageCallOptions,
  StorageError,
  throwIfAborted,
  validateKey,
} from "@icechunk-ts/core";
import { AzureConfigError } from "./errors.js";

/** An Entra ID token credential (`@azure/identity`'s credentials have this shape). */
export interface AzureTokenCredential {
  getToken(
    scopes: string | string[],
    options?: unknown,
  ): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** Options of {@link azureBlobStorage}, named like the official binding's `newAzureBlob`. */
export interface AzureBlobOptions {
  /** Storage account name (not needed with `connectionString` or `containerClient`). */
  account?: string;
  container: string;
  /** Blob-name prefix of the repository (`<prefix>/<key>`); a trailing `/` is ignored. */
  prefix?: string;
  /** The account key (shared-key authentication). */
  accountKey?: string;
  /** A SAS token (with or without the leading `?`). */
  sasToken?: string;
  /** An Entra ID credential (e.g. `DefaultAzureCredential` from `@azure/identity`). */
  credential?: AzureTokenCredential;
  /** Unsigned requests (public containers; reads only). */
  anonymous?: boolean;
  /** A connection string (e.g. Azurite's); takes the place of account, endpoint and key. */
  connectionString?: string;
  /** Blob service endpoint; default `https://<account>.blob.core.windows.net`. */
  endpointUrl?: string;
  /** Allow a plain `http://` endpoint (refused otherwise). */
  allowHttp?: boolean;
  /** A ready ContainerClient to use instead (its own credential and pipeline then apply). */
  containerClient?: ContainerClient;
}

/** An Azure-Blob-backed `Storage`, plus the container client it uses. */
export interface AzureBlobStorage extends Storage {
  readonly client: ContainerClient;
  /** Normalised prefix (no leading/trailing slash; "" = container root). */
  readonly prefix: string;
}

const DELETES_IN_FLIGHT = 16;

/** Builds the ContainerClient that `options` describe. */
export function createContainerClient(options: AzureBlobOptions): ContainerClient {
  if (options.containerClient) return options.containerClient;
  const { container } = options;
  if (!container) throw new AzureConfigError("container", "pass the container name");
  if (options.connectionString) return new ContainerClient(options.connectionString, container);
  if (!options.endpointUrl && !options.account)
    throw new AzureConfigError(
      "account",
      "pass the storage account name, an endpointUrl or a connectionString",
    );
  const endpoint = (
    options.endpointUrl ?? `https://${options.account}.blob.core.windows.net`
  ).replace(/\/+$/, "");
  if (endpoint.startsWith("http://") && !options.allowHttp)
    throw new AzureConfigError(
      "endpointUrl",
      `'${endpoint}' is plain http; pass allowHttp: true to use an unencrypted endpoint`,
    );
  const url = `${endpoint}/${encodeURIComponent(container)}`;
  if (options.sasToken !== undefined)
    return new ContainerClient(`${url}?${options.sasToken.replace(/^\?/, "")}`);
  if (options.accountKey !== undefined) {
    if (!options.account)
      throw new AzureConfigError("account", "shared-key authentication needs the account name");
    return new ContainerClient(
      url,
      new StorageSharedKeyCredential(options.account, options.accountKey),
    );
  }
  if (options.credential) return new ContainerClient(url, options.credential);
  if (options.anonymous) return new ContainerClient(url, new AnonymousCredential());
  throw new AzureConfigError(
    "credentials",
    "pass accountKey, sasToken, credential, a connectionString, or anonymous: true",
  );
}

/**
 * Creates a Storage on an Azure Blob container.
 * @example
 * import { Repository } from "@icechunk-ts/core";
 * import { azureBlobStorage } from "@icechunk-ts/azure";
 * const storage = azureBlobStorage({ account: "myaccount", container: "data", prefix: "era5",
 *   accountKey: process.env.AZURE_STORAGE_KEY });
 * const repo = await Repository.openOrCreate(storage);
 */
export function azureBlobStorage(options: AzureBlobOptions): AzureBlobStorage {
  return new AzureBlobStorageImpl(createContainerClient(options), options);
}

const statusOf = (err: unknown): number | undefined =>
  (err as { statusCode?: number }).statusCode ?? undefined;
const codeOf = (err: unknown): string | undefined =>
  (err as { code?: string; details?: { errorCode?: string } }).details?.errorCode ??
  (err as { code?: string }).code;
const unquote = (etag: string | undefined) => etag?.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
const quote = (etag: string) => (etag.startsWith('"') ? etag : `"${etag}"`);

class AzureBlobStorageImpl implements AzureBlobStorage {
  readonly canWrite: boolean;
  readonly prefix: string;
  readonly description: string;

  constructor(
    readonly client: ContainerClient,
    options: AzureBlobOptions,
  ) {
    this.canWrite = options.anonymous !== true;
    this.prefix = (options.prefix ?? "").replace(/^\/+/, "").replace(/\/+$/, "");
    this.description = `az://${client.containerName}/${this.prefix}`;
  }

  private name(key: string): string {
    validateKey(key);
    return this.prefix === "" ? key : `${this.prefix}/${key}`;
  }

  private blob(key: string) {
    return this.client.getBlockBlobClient(this.name(key));
  }

  /** Runs one call, mapping failures onto the Storage contract's errors. */
  private async run<T>(
    operation: string,
    key: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    throwIfAborted(signal);
    try {
      return await fn();
    } catch (err) {
      if (err instanceof IcechunkError) throw err;
      if (signal?.aborted) throw new AbortError(signal.reason);
      const status = statusOf(err);
      const detail = [codeOf(err), status === undefined ? undefined : `HTTP ${status}`]
        .filter(Boolean)
        .join(": ");
      const hint =
        status === 403
          ? " (access denied: check the key, SAS permissions or role assignment)"
          : codeOf(err) === "ContainerNotFound"
            ? " (the container does not exist: check its name and the account)"
            : status === undefined
              ? " (no response: is the endpoint reachable?)"
              : "";
      throw new StorageError(
        operation,
        key,
        `${detail || (err instanceof Error ? err.message : String(err))}${hint}`,
        { cause: err, status },
      );
    }
  }

  private writable(operation: string): void {
    if (!this.canWrite) throw new ReadOnlyStorageError(operation);
  }

  async get(key: string, options?: GetOptions): Promise<GetResult | undefined> {
    const blob = this.blob(key);
    const signal = options?.signal;
    return this.run("get", key, signal, async () => {
      const range = options?.range;
      let offset = 0;
      let count: number | undefined;
      let ifMatch: string | undefined;
      if (range !== undefined && "suffixLength" in range) {
        const props = await this.properties(blob, signal);
        if (props === undefined) return undefined;
        offset = Math.max(0, props.size - range.suffixLength);
        count = props.size - offset;
        ifMatch = props.etag;
      } else if (range !== undefined) {
        offset = range.offset;
        count = range.length;
      }
      if (count === 0 || (ifMatch !== undefined && count !== undefined && count <= 0)) {
        const props = await this.properties(blob, signal);
        return props === undefined
          ? undefined
          : { data: new Uint8Array(0), version: { etag: unquote(props.etag) } };
      }
      let response: BlobDownloadResponseParsed;
      try {
        response = await blob.download(offset, count, {
          abortSignal: signal,
          ...(ifMatch === undefined ? {} : { conditions: { ifMatch } }),
        });
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        if (statusOf(err) === 416) {
          // offset at or past the end (or an empty blob): an empty read, like HTTP
          const props = await this.properties(blob, signal);
          return props === undefined
            ? undefined
            : { data: new Uint8Array(0), version: { etag: unquote(props.etag) } };
        }
        if (statusOf(err) === 412 && range !== undefined) return this.get(key, options); // changed between HEAD and GET
        throw err;
      }
      return { data: await readAll(response), version: { etag: unquote(response.etag) } };
    });
  }

  private async properties(
    blob: ReturnType<ContainerClient["getBlockBlobClient"]>,
    signal: AbortSignal | undefined,
  ): Promise<{ size: number; etag: string; lastModified: Date } | undefined> {
    try {
      const p = await blob.getProperties({ abortSignal: signal });
      return {
        size: p.contentLength ?? 0,
        etag: p.etag ?? "",
        lastModified: p.lastModified ?? new Date(0),
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async getIfModified(
    key: string,
    version: ObjectVersion,
    options?: StorageCallOptions,
  ): Promise<GetResult | "not-modified" | undefined> {
    const blob = this.blob(key);
    return this.run("get", key, options?.signal, async () => {
      try {
        const response = await blob.download(0, undefined, {
          abortSignal: options?.signal,
          ...(version.etag ? { conditions: { ifNoneMatch: quote(version.etag) } } : {}),
        });
        return { data: await readAll(response), version: { etag: unquote(response.etag) } };
      } catch (err) {
        if (statusOf(err) === 304) return "not-modified";
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    });
  }

  async put(key: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    const blob = this.blob(key);
    this.writable(`put '${key}'`);
    return this.run("put", key, options?.signal, async () => {
      const condition = options?.condition;
      let conditions: { ifNoneMatch?: string; ifMatch?: string } | undefined;
      if (condition && "ifNoneMatch" in condition) conditions = { ifNoneMatch: "*" };
      else if (condition) {
        const etag = condition.ifMatch.etag;
        conditions = etag ? { ifMatch: quote(etag) } : { ifNoneMatch: "*" };
      }
      try {
        const out = await blob.upload(data, data.byteLength, {
          abortSignal: options?.signal,
          ...(conditions ? { conditions } : {}),
          ...(options?.contentType
            ? { blobHTTPHeaders: { blobContentType: options.contentType } }
            : {}),
          ...(options?.metadata ? { metadata: azureMetadata(options.metadata) } : {}),
        });
        return { kind: "written", version: { etag: unquote(out.etag) } };
      } catch (err) {
        const status = statusOf(err);
        // 412 ConditionNotMet; 409 BlobAlreadyExists for If-None-Match: *; 404 for If-Match on an absent blob
        if (conditions && (status === 412 || status === 409 || status === 404))
          return { kind: "version-mismatch" };
        throw err;
      }
    });
  }

  async copy(
    from: string,
    to: string,
    options?: StorageCallOptions & { ifMatch?: ObjectVersion },
  ): Promise<PutResult> {
    const source = this.blob(from);
    const target = this.blob(to);
    this.writable(`copy '${from}' to '${to}'`);
    return this.run("copy", from, options?.signal, async () => {
      const etag = options?.ifMatch?.etag;
      try {
        const poller = await target.beginCopyFromURL(source.url, {
          abortSignal: options?.signal,
          ...(etag ? { sourceConditions: { ifMatch: quote(etag) } } : {}),
        });
        const done = await poller.pollUntilDone();
        return { kind: "written", version: { etag: unquote(done.etag) } };
      } catch (err) {
        if (etag && statusOf(err) === 412) return { kind: "version-mismatch" };
        throw err;
      }
    });
  }

  async *list(prefix: string, options?: StorageCallOptions): AsyncIterable<ListEntry> {
    const inner = prefix.replace(/^\/+/, "").replace(/\/+$/, "");
    if (inner !== "") validateKey(inner);
    const joined = [this.prefix, inner].filter((p) => p !== "").join("/");
    const listPrefix = joined === "" ? "" : `${joined}/`;
    const pages = this.client
      .listBlobsFlat({
        ...(listPrefix === "" ? {} : { prefix: listPrefix }),
        abortSignal: options?.signal,
      })
      .byPage({ maxPageSize: 5000 });
    while (true) {
      const page = await this.run("list", prefix, options?.signal, () => pages.next());
      if (page.done) return;
      for (const item of page.value.segment.blobItems) {
        if (!item.name.startsWith(listPrefix)) continue;
        yield {
          key: item.name.slice(listPrefix.length),
          size: item.properties.contentLength ?? 0,
          lastModified: item.properties.lastModified ?? new Date(0),
        };
      }
    }
  }

  async delete(keys: readonly string[], options?: StorageCallOptions): Promise<DeleteResult> {
    const blobs = keys.map((k) => this.blob(k));
    this.writable("delete objects");
    return this.run("delete", keys[0] ?? "", options?.signal, async () => {
      let deletedObjects = 0;
      let next = 0;
      const worker = async () => {
        while (next < blobs.length) {
          const blob = blobs[next++]!;
          const out = await blob.deleteIfExists({ abortSignal: options?.signal });
          if (out.succeeded) deletedObjects++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(DELETES_IN_FLIGHT, blobs.length) }, worker));
      return { deletedObjects, deletedBytes: 0 };
    });
  }

  async lastModified(key: string, options?: StorageCallOptions): Promise<Date | undefined> {
    const blob = this.blob(key);
    return this.run(
      "lastModified",
      key,
      options?.signal,
      async () => (await this.properties(blob, options?.signal))?.lastModified,
    );
  }
}

/** Azure metadata names must be C# identifiers: other characters become `_`. */
function azureMetadata(metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) out[k.replace(/[^A-Za-z0-9_]/g, "_")] = v;
  return out;
}

async function readAll(response: BlobDownloadResponseParsed): Promise<Uint8Array> {
  const body = response.readableStreamBody;
  if (body === undefined) return new Uint8Array(0);
  const parts: Buffer[] = [];
  for await (const part of body as AsyncIterable<Buffer>) parts.push(part);
  const all = Buffer.concat(parts);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}
