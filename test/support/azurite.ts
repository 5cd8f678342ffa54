/**
 * @module test/support/azurite
 * Azurite (Microsoft's Azure Storage emulator, the `azurite` devDependency) started by the test
 * itself: the blob service on a free 127.0.0.1 port, in memory, stopped with `stop()`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { freePort } from "../../examples/bullmq/redis.js";

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** A running Azurite blob service. */
export interface Azurite {
  /** Blob endpoint including the account, e.g. `http://127.0.0.1:PORT/devstoreaccount1`. */
  readonly endpointUrl: string;
  readonly connectionString: string;
  stop(): Promise<void>;
}

/** Starts Azurite's blob service and resolves once it listens (rejects after `timeoutMs`). */
export async function startAzurite(timeoutMs = 60_000): Promise<Azurite> {
  const port = await freePort();
  const bin = join(import.meta.dirname, "../../node_modules/.bin/azurite-blob");
  const child: ChildProcess = spawn(
    bin,
    [
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(port),
      "--inMemoryPersistence",
      "--skipApiVersionCheck",
      "--disableTelemetry",
      "--silent",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`Azurite did not start within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("successfully listens")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (code ${code}) before listening: ${output}`));
    });
  });
  const endpointUrl = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    endpointUrl,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpointUrl};`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
