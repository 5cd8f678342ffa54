/**
 * @module errors
 * Azure-specific typed errors.
 */
import { IcechunkError } from "@icechunk-ts/core";

/** An `AzureBlobOptions` value is missing, invalid or unsafe. */
export class AzureConfigError extends IcechunkError {
  readonly kind = "azure-config";
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`invalid Azure Blob option '${option}': ${detail}`);
  }
}

declare module "@icechunk-ts/core" {
  // registers AzureConfigError with the core's error kinds: isIcechunkError(err, "azure-config")
  interface IcechunkErrorMap {
    "azure-config": AzureConfigError;
  }
}
