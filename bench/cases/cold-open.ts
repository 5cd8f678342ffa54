/**
 * @module bench/cases/cold-open
 * Case 1: cold open to the first chunk over HTTP (127.0.0.1, 20 ms added latency per request):
 * wall time, storage requests by kind, the number of sequential round trips on the critical path
 * before the chunk's bytes arrive, and requests made twice. Ours via httpStorage + withCounting;
 * the official native build via its own `Storage.newHttp` on the same server.
 */
import { httpStorage, Repository, type Storage, withCounting } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";
import { startHttpServer } from "../../test/support/http-server.js";
import { nativeOrReason, oracleZarrStore } from "../lib/anchors.js";
import { tempDir, writeGridRepo } from "../lib/data.js";
import { type CaseResult, guarded, log, median, row, timeRuns } from "../lib/measure.js";

const LATENCY_MS = 20;
const OURS = "icechunk-ts";
const NATIVE = "official (native)";

interface Span {
  key: string;
  start: number;
  end: number;
}

/** Wraps a storage recording each get's key and time span (for the critical-path depth). */
function withSpans(storage: Storage, spans: Span[]): Storage {
  const timed = <T>(key: string, p: Promise<T>) => {
    const s: Span = { key, start: performance.now(), end: Number.POSITIVE_INFINITY };
    spans.push(s);
    return p.finally(() => {
      s.end = performance.now();
    });
  };
  const wrapped: Storage = {
    ...storage,
    get: (key, options) =>
      timed(
        key + (options?.range ? `@${JSON.stringify(options.range)}` : ""),
        storage.get(key, options),
      ),
  };
  if (storage.getIfModified) {
    const inner = storage.getIfModified.bind(storage);
    wrapped.getIfModified = (key, version, options) =>
      timed(`${key} (if-none-match)`, inner(key, version, options));
  }
  return wrapped;
}

/** Longest chain of requests where each starts after the previous one ended (round trips). */
function depth(spans: readonly Span[], upTo: Span): number {
  const memo = new Map<Span, number>();
  const d = (s: Span): number => {
    const hit = memo.get(s);
    if (hit !== undefined) return hit;
    let best = 0;
    for (const p of spans) if (p !== s && p.end <= s.start) best = Math.max(best, d(p));
    memo.set(s, best + 1);
    return best + 1;
  };
  return d(upTo);
}

/** Runs case 1. */
export async function coldOpenCase(options: {
  reps: number;
  signal?: AbortSignal;
}): Promise<CaseResult> {
  const reps = Math.max(3, options.reps);
  const dir = await tempDir("cold");
  log("  writing the repository");
  await writeGridRepo(dir);
  const server = await startHttpServer({ root: dir, latencyMs: LATENCY_MS });
  try {
    let lastSpans: Span[] = [];
    let counts: Record<string, number> = {};
    const ours = await guarded(OURS, async () => {
      const samples = await timeRuns({ reps, warmup: 1 }, async () => {
        const spans: Span[] = [];
        const counting = withCounting(httpStorage(server.url));
        const repo = await Repository.open(withSpans(counting, spans));
        const session = await repo.readonlySession({ branch: "main" });
        const arr = await zarr.open.v3(zarr.root(new IcechunkStore(session)).resolve("grid"), {
          kind: "array",
        });
        const chunk = await arr.getChunk([7, 9]);
        if ((chunk.data as Float32Array)[0] !== ((7 * 32 * 3200 + 9 * 32) % 9973) * 0.5)
          throw new Error("wrong chunk value");
        lastSpans = spans;
        counts = { ...counting.counts.byOperationAndPrefix };
      });
      const chunkSpan = lastSpans.find((s) => s.key.startsWith("chunks/"));
      const keys = lastSpans.map((s) => s.key.replace(/ \(if-none-match\)$/, ""));
      const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
      return row(OURS, samples, {
        requests: lastSpans.length,
        "sequential round trips to the chunk": chunkSpan ? depth(lastSpans, chunkSpan) : "–",
        "requested twice": twice.length ? twice.join(", ") : "none",
        "by kind": Object.entries(counts)
          .map(([k, v]) => `${k} ×${v}`)
          .join(", "),
      });
    });
    const native = await nativeOrReason();
    const theirs = native.oracle
      ? await guarded(NATIVE, async () => {
          const o = native.oracle!;
          let requests = 0;
          const samples = await timeRuns({ reps, warmup: 1 }, async () => {
            const before = server.requests.length;
            const repo = await o.Repository.open(o.Storage.newHttp(server.url));
            const session = await repo.readonlySession({ branch: "main" });
            const arr = await zarr.open.v3(zarr.root(oracleZarrStore(session)).resolve("grid"), {
              kind: "array",
            });
            await arr.getChunk([7, 9]);
            requests = server.requests.length - before;
          });
          const mine = server.requests
            .slice(-requests)
            .map((r) => `${r.method} ${r.url.split("?")[0]!.split("/")[1]}`);
          const byKind = new Map<string, number>();
          for (const k of mine) byKind.set(k, (byKind.get(k) ?? 0) + 1);
          return row(NATIVE, samples, {
            requests,
            "by kind": [...byKind].map(([k, v]) => `${k} ×${v}`).join(", "),
          });
        })
      : { name: NATIVE, skipped: native.reason ?? "unavailable" };
    const roundTrips = ours.extra?.["sequential round trips to the chunk"];
    return {
      id: "1",
      title: "Cold open to first chunk over HTTP (20 ms latency)",
      setup: `The case-2 repository (spec 2) served by test/support/http-server.ts on 127.0.0.1 with ${LATENCY_MS} ms added to every response. Each run: \`Repository.open(httpStorage(url))\` → \`readonlySession({ branch: "main" })\` → open \`/grid\` through zarrita → read chunk (7, 9); values are checked. "Sequential round trips" is the longest chain of requests in which each starts only after the previous one finished, ending at the chunk request (the chunk counts); it is computed from the recorded request spans of the last run. The official build reads the same server with its own HTTP store (requests counted at the server).`,
      rows: [ours, theirs],
      baseline: OURS,
      targets: [
        {
          target: "≤ 4 sequential requests before the first chunk's bytes (spec 2)",
          met: typeof roundTrips === "number" && roundTrips <= 4,
          detail: `${roundTrips} round trips; median ${median(ours.samplesMs ?? []).toFixed(0)} ms`,
        },
        {
          target: "no request made twice",
          met: ours.extra?.["requested twice"] === "none",
          detail: String(ours.extra?.["requested twice"] ?? "–"),
        },
      ],
    };
  } finally {
    await server.close();
  }
}
