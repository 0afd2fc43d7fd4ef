#!/usr/bin/env -S npx tsx
// `pnpm bench <name> [--option value …]`: runs one benchmark, prints JSON.
const benchmarks = [
  "initial-sync",
  "lag",
  "scale",
  "reconcile",
  "recovery",
  "backup",
  "restore",
  "soak",
];
const name = process.argv[2];
if (!name || !benchmarks.includes(name)) {
  console.error(`usage: pnpm bench <${benchmarks.join("|")}> [--objects N …]`);
  process.exit(2);
}
await import(`./${name}.js`);
