// The key of an encrypted backup, read from the Secret its Backup names.
import { namespaceOf, secretValue, type BackupEncryption, type Secret } from "@livesync/api";
import { parseKey } from "./encryption.js";

/** The Secret data key holding the backup key unless encryption.secretKey says another. */
export const DEFAULT_BACKUP_KEY = "key";

/**
 * The 32-byte key of `encryption` from its Secret among `secrets` (same namespace as the
 * Backup). Throws naming the Secret and key when either is missing or the key has the wrong size.
 */
export function backupKeyFromSecrets(
  encryption: BackupEncryption,
  namespace: string,
  secrets: Secret[],
): Buffer {
  const dataKey = encryption.secretKey ?? DEFAULT_BACKUP_KEY;
  const where = `encryption Secret ${namespace}/${encryption.secretName}`;
  const secret = secrets.find(
    (s) => namespaceOf(s) === namespace && s.metadata.name === encryption.secretName,
  );
  if (!secret) throw new Error(`${where} not found`);
  const value = secretValue(secret, dataKey);
  if (value === undefined) throw new Error(`${where} has no key ${JSON.stringify(dataKey)}`);
  return parseKey(value, `${where}, key ${JSON.stringify(dataKey)}`);
}
