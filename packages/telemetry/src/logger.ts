import { destination, pino, type Logger } from "pino";

export type { Logger };

/**
 * JSON logs on stderr (stdout stays for the status lines), secrets redacted wherever they
 * appear in a logged object: tokens, S3 keys, kubeconfigs, Secret data.
 */
export function createLogger(
  name: string,
  level = process.env.LIVESYNC_LOG_LEVEL ?? "info",
  stream: { write(line: string): void } = destination(2),
): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: [
          "*.token",
          "*.secretAccessKey",
          "*.accessKeyID",
          "*.kubeconfig",
          '*["kubeconfig.yaml"]',
          "*.data",
          "*.stringData",
          "*.authorization",
        ],
        censor: "[redacted]",
      },
    },
    stream,
  );
}
