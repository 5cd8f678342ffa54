/**
 * @module session/move
 * Moving and renaming nodes (upstream rearrange sessions, spec 2): a group or array — with
 * everything under it — gets a new path; node ids, metadata and manifests are unchanged, so no
 * chunk is touched. Validation follows upstream `move_node` (format notes §8.7).
 */
import { InvalidMoveError, NodeAlreadyExistsError, NodeNotFoundError } from "../errors.js";
import { checkNodePath, isUnder } from "./keys.js";
import { getNode, type ReadContext } from "./read.js";

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** Records the move of the node at `from` (and its subtree) to `to`. */
export function moveNode(ctx: ReadContext, from: string, to: string): void {
  if (from === "/" || to === "/")
    throw new InvalidMoveError(
      from,
      to,
      "the root group cannot be moved, nor can anything replace it",
    );
  checkNodePath(to);
  if (!getNode(ctx, from)) throw new NodeNotFoundError(from, "nothing to move");
  if (to === from || isUnder(to, from))
    throw new InvalidMoveError(
      from,
      to,
      "a node cannot move into itself or one of its descendants",
    );
  if (getNode(ctx, to)) throw new NodeAlreadyExistsError(to, "a move never overwrites");
  const parent = getNode(ctx, parentOf(to));
  if (!parent)
    throw new NodeNotFoundError(
      parentOf(to),
      `the destination's parent group must exist before moving '${from}' there`,
    );
  if (parent.kind !== "group")
    throw new InvalidMoveError(
      from,
      to,
      `the destination's parent '${parentOf(to)}' is an array, not a group`,
    );
  ctx.changes.moves.push({ from, to });
}
