/**
 * @module test/support/s3-server
 * The real S3 test server for root-level tests: re-exports the helpers that live next to the
 * S3 package (where @aws-sdk/client-s3 resolves). See packages/s3/__tests__/support/server.ts.
 */
export {
  type S3TestConfig,
  type S3TestConfigOptions,
  s3ServerEnv,
  s3TestConfig,
} from "../../packages/s3/__tests__/support/server.js";
