/**
 * @module user-agent
 * The user agent product token sent with every request: `icechunk-ts/<version>`.
 */
import { VERSION } from "./version.js";

/** The user agent product token: `icechunk-ts/<version>` (the package.json version). */
export const USER_AGENT = `icechunk-ts/${VERSION}`;
