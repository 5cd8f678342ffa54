/**
 * @module virtual/file
 * Node-only fetcher for `file://` virtual chunks (a byte range of a local file). The ETag of a
 * local file is not defined portably, so only the last-modified checksum is enforced here.
 */
import { open, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  IcechunkError,
  throwIfAborted,
  VirtualChunkFetchError,
  VirtualChunkModifiedError,
} from "../errors.js";
import type { VirtualChunkFetcher } from "./resolver.js";

/** Reads `file://` virtual chunks from the local filesystem. */
export function fileVirtualChunkFetcher(): VirtualChunkFetcher {
  return {
    async fetchRange(url, { offset, length }, { checksum, signal }) {
      let path: string;
      try {
        path = fileURLToPath(url);
      } catch (cause) {
        throw new VirtualChunkFetchError(url, "not a valid file:// URL", { cause });
      }
      let fh: import("node:fs/promises").FileHandle;
      try {
        if (checksum && "lastModified" in checksum) {
          const st = await stat(path);
          if (Math.floor(st.mtimeMs / 1000) > checksum.lastModified)
            throw new VirtualChunkModifiedError(
              url,
              `the file changed at ${st.mtime.toISOString()}`,
            );
        }
        fh = await open(path, "r");
      } catch (cause) {
        if (cause instanceof VirtualChunkModifiedError) throw cause;
        throw new VirtualChunkFetchError(url, (cause as Error).message, { cause });
      }
      try {
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          throwIfAborted(signal);
          const { bytesRead } = await fh.read(out, done, length - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return out.subarray(0, done);
      } catch (cause) {
        if (cause instanceof IcechunkError) throw cause;
        throw new VirtualChunkFetchError(url, (cause as Error).message, { cause });
      } finally {
        await fh.close();
      }
    },
  };
}
