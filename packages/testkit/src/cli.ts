#!/usr/bin/env -S npx tsx
import { runTestenvCli } from "./cli-main.js";

runTestenvCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
