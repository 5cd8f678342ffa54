/**
 * @module s3/__tests__/support/sdk
 * Re-exports of the AWS SDK for tests outside this package (the SDK resolves only from here).
 */
export {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketAclCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
