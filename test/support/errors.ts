/**
 * @module test/support/errors
 * A predicate for `expect(...).rejects.toSatisfy(...)` / `toThrow`: the error is an IcechunkError
 * of the given kind.
 */
import { type IcechunkErrorKind, isIcechunkError } from "@icechunk-ts/core";

/** `(e) => isIcechunkError(e, k)`, for `rejects.toSatisfy(kind("ref-not-found"))`. */
export const kind = (k: IcechunkErrorKind) => (e: unknown) => isIcechunkError(e, k);
