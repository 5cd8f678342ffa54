/**
 * @module session/tx-log-merge
 * Merging transaction logs (upstream `TransactionLog::merge`), used by amend and by diff: set union
 * of every id list, union of chunk coordinates per array, moves collapsed by node id (first `from`,
 * last `to`, identity moves dropped).
 */
import type { NodeId } from "../format/ids.js";
import { idToBytes } from "../format/ids.js";
import type { TransactionLogData } from "../format/transaction-log.js";
import { compareBytes } from "../util/bytes.js";

const byBytes = (a: NodeId, b: NodeId) => compareBytes(idToBytes(a, 8), idToBytes(b, 8));
const union = (a: readonly NodeId[], b: readonly NodeId[]) =>
  [...new Set([...a, ...b])].sort(byBytes);

export function compareCoords(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function mergeTransactionLogs(
  first: TransactionLogData,
  second: TransactionLogData,
): TransactionLogData {
  const chunks = new Map<NodeId, Map<string, number[]>>();
  for (const log of [first, second])
    for (const { nodeId, chunks: cs } of log.updatedChunks) {
      let m = chunks.get(nodeId);
      if (!m) {
        m = new Map();
        chunks.set(nodeId, m);
      }
      for (const c of cs) m.set(c.join(","), c);
    }
  const moves = new Map<NodeId, TransactionLogData["movedNodes"][number]>();
  for (const mv of [...first.movedNodes, ...second.movedNodes]) {
    const prev = moves.get(mv.nodeId);
    moves.set(mv.nodeId, prev ? { ...mv, from: prev.from } : mv);
  }
  return {
    id: second.id,
    newGroups: union(first.newGroups, second.newGroups),
    newArrays: union(first.newArrays, second.newArrays),
    deletedGroups: union(first.deletedGroups, second.deletedGroups),
    deletedArrays: union(first.deletedArrays, second.deletedArrays),
    updatedGroups: union(first.updatedGroups, second.updatedGroups),
    updatedArrays: union(first.updatedArrays, second.updatedArrays),
    updatedChunks: [...chunks]
      .map(([nodeId, m]) => ({ nodeId, chunks: [...m.values()].sort(compareCoords) }))
      .sort((a, b) => byBytes(a.nodeId, b.nodeId)),
    movedNodes: [...moves.values()].filter((m) => m.from !== m.to),
  };
}
