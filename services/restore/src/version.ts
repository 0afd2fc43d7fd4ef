// Whether a backup can be restored into the destination: a backup format this livesync reads,
// and a Kubernetes version at most one minor away unless the user accepts the skew. Pure.

import { isReadableFormat, UnsupportedFormatError, type BackupIndex } from "@livesync/backup";

/** A version skew the user did not accept. */
export class VersionSkewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VersionSkewError";
  }
}

/** "v1.35.4" / "v1.35.4-gke.100" -> { major: 1, minor: 35 }; undefined when unreadable. */
export function parseKubeVersion(v: string): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * Throws UnsupportedFormatError for a newer major format, VersionSkewError (naming both versions)
 * when the destination's Kubernetes minor differs by more than one from the backup's, unless
 * `allowVersionSkew`.
 */
export function checkRestorable(
  index: Pick<BackupIndex, "backup" | "format" | "kubernetesVersion">,
  destinationVersion: string,
  allowVersionSkew: boolean,
): void {
  if (!isReadableFormat(index.format)) throw new UnsupportedFormatError(index.format);
  // The live archive records no version: nothing to compare.
  if (allowVersionSkew || index.kubernetesVersion === "") return;
  const from = parseKubeVersion(index.kubernetesVersion);
  const to = parseKubeVersion(destinationVersion);
  const what = `backup ${index.backup} was taken from Kubernetes ${index.kubernetesVersion || "(unknown)"}, the destination runs ${destinationVersion}`;
  if (!from || !to) {
    throw new VersionSkewError(
      `${what}: cannot compare the versions; pass --allow-version-skew (allowVersionSkew) to restore anyway`,
    );
  }
  if (from.major !== to.major || Math.abs(from.minor - to.minor) > 1) {
    throw new VersionSkewError(
      `${what}: more than one minor version apart; pass --allow-version-skew (allowVersionSkew) to restore anyway`,
    );
  }
}
