/**
 * @module repo/admin
 * Spec-2 repository administration as pure update functions over the repo info (applied by
 * `updateRepoInfo`): repository metadata, availability status, feature flags and the persisted
 * config — each change logged in the ops log like every other one.
 */
import { UnknownFeatureFlagError } from "../errors.js";
import { encodeFlexbuffer } from "../format/flexbuffers.js";
import type { JsonObject } from "../format/json-value.js";
import type { RepoInfoData } from "../format/repo-info.js";
import { configToSerde, type RepositoryConfig } from "../repo-core/config.js";
import type { RepoInfoChange } from "../repo-core/repo-info-update.js";

/** Upstream feature flags (feature_flags.rs): ids 1–2 reserved, all default enabled. */
export const FEATURE_FLAGS = [
  { id: 3, name: "move_node" },
  { id: 4, name: "create_tag" },
  { id: 5, name: "delete_tag" },
] as const;

/** A repository feature flag and its effective value (`repo.featureFlags()`). */
export interface FeatureFlag {
  id: number;
  name: string;
  defaultEnabled: boolean;
  /** Explicit setting, absent when the default applies. */
  setting?: boolean;
  enabled: boolean;
}

export function featureFlags(info: RepoInfoData): FeatureFlag[] {
  return FEATURE_FLAGS.map(({ id, name }) => {
    const setting = info.enabledFeatureFlags.includes(id)
      ? true
      : info.disabledFeatureFlags.includes(id)
        ? false
        : undefined;
    return {
      id,
      name,
      defaultEnabled: true,
      ...(setting === undefined ? {} : { setting }),
      enabled: setting ?? true,
    };
  });
}

export function flagId(name: string): number {
  const f = FEATURE_FLAGS.find((x) => x.name === name);
  if (!f)
    throw new UnknownFeatureFlagError(
      name,
      FEATURE_FLAGS.map((x) => x.name),
    );
  return f.id;
}

export const admin = {
  setMetadata(metadata: JsonObject) {
    return (info: RepoInfoData): RepoInfoChange => ({
      info: { ...info, metadata },
      update: { type: "metadata-changed" },
    });
  },
  /** Shallow merge of top-level keys. */
  updateMetadata(patch: JsonObject) {
    return (info: RepoInfoData): RepoInfoChange => ({
      info: { ...info, metadata: { ...info.metadata, ...patch } },
      update: { type: "metadata-changed" },
    });
  },
  setStatus(availability: "online" | "read-only", reason: string | undefined, setAt: number) {
    return (info: RepoInfoData): RepoInfoChange => {
      const status = { availability, setAt, ...(reason ? { reason } : {}) };
      return { info: { ...info, status }, update: { type: "repo-status-changed", status } };
    };
  },
  setFeatureFlag(name: string, value: boolean | undefined) {
    const id = flagId(name);
    return (info: RepoInfoData): RepoInfoChange => {
      const enabled = info.enabledFeatureFlags.filter((x) => x !== id);
      const disabled = info.disabledFeatureFlags.filter((x) => x !== id);
      if (value === true) enabled.push(id);
      if (value === false) disabled.push(id);
      return {
        info: {
          ...info,
          enabledFeatureFlags: enabled.sort((a, b) => a - b),
          disabledFeatureFlags: disabled.sort((a, b) => a - b),
        },
        update: {
          type: "feature-flag-changed",
          id,
          newValue: value ?? true,
          isSet: value !== undefined,
        },
      };
    };
  },
  saveConfig(config: RepositoryConfig) {
    return (info: RepoInfoData): RepoInfoChange => ({
      info: { ...info, config: encodeFlexbuffer(configToSerde(config)) },
      update: { type: "config-changed" },
    });
  },
};
