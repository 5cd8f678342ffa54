// A plain Node program using the installed packages: prints where they resolved and the digest
// of the repository given as its argument.
import * as core from "@icechunk-ts/core";
import * as fs from "@icechunk-ts/core/fs";
import { s3Storage } from "@icechunk-ts/s3";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";
import { digestRepository } from "./read-repo.mjs";

const resolved = [
  "@icechunk-ts/core",
  "@icechunk-ts/core/fs",
  "@icechunk-ts/zarrita",
  "@icechunk-ts/s3",
].map((name) => import.meta.resolve(name));
const digest = await digestRepository({ core, fs, zarr, IcechunkStore }, process.argv[2]);
console.log(JSON.stringify({ resolved, s3Storage: typeof s3Storage, digest }));
