/**
 * Azure Blob storage for icechunk-ts, built on @azure/storage-blob (Node).
 *
 * @module @icechunk-ts/azure
 */

export { AzureConfigError } from "./errors.js";
export {
  type AzureBlobOptions,
  type AzureBlobStorage,
  type AzureTokenCredential,
  azureBlobStorage,
  createContainerClient,
} from "./storage.js";
