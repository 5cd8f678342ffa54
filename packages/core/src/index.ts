/**
 * @module @icechunk-ts/core
 * Pure-TypeScript Icechunk: open, read and write Icechunk repositories (spec 1, 2 and 2.1) in
 * Node and browsers, byte-compatible with the official Rust implementation.
 */
export * from "./errors.js";
export type * from "./storage/types.js";
