/**
 * @module version
 * The package version, sent in the user agent as `icechunk-ts/<version>`.
 */

/** Version of @icechunk-ts/s3 (kept in step with package.json). */
export const VERSION = "0.1.0";

/** The user agent product token: `icechunk-ts/<version>`. */
export const USER_AGENT = `icechunk-ts/${VERSION}`;
