/**
 * @module bench/lib/anchors
 * The anchors benchmarks compare against: the official implementation's native and WASI builds
 * (loaded through test/support/oracle.ts) and zarrita stores over their sessions.
 */
import type { AbsolutePath, AsyncMutable, RangeQuery } from "@zarrita/storage";
import {
  loadNativeOracle,
  loadOracle,
  nativeOracleUnavailableReason,
  type Oracle,
} from "../../test/support/oracle.js";

export type { Oracle, OracleStorage } from "../../test/support/oracle.js";
export { loadNativeOracle, loadOracle, oracleStorage } from "../../test/support/oracle.js";

/** The official session type. */
export type OracleSession = import("@earthmover/icechunk").Session;

/** The native build, or a reason why it is unavailable. */
export async function nativeOrReason(): Promise<{ oracle?: Oracle; reason?: string }> {
  const oracle = await loadNativeOracle();
  return oracle ? { oracle } : { reason: nativeOracleUnavailableReason ?? "unavailable" };
}

/** The WASI build, or a reason why it is unavailable. */
export async function wasiOrReason(): Promise<{ oracle?: Oracle; reason?: string }> {
  try {
    return { oracle: await loadOracle() };
  } catch (err) {
    return { reason: err instanceof Error ? err.message : String(err) };
  }
}

/** A zarrita store over an official session's store (`null` → undefined, Buffer in for set). */
export function oracleZarrStore(session: OracleSession): AsyncMutable {
  const store = session.store;
  return {
    async get(key: AbsolutePath) {
      return (await store.get(key.slice(1))) ?? undefined;
    },
    async getRange(key: AbsolutePath, range: RangeQuery) {
      return (await store.getRange(key.slice(1), range as never)) ?? undefined;
    },
    async set(key: AbsolutePath, value: Uint8Array) {
      await store.set(key.slice(1), Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    },
  };
}
