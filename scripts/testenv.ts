// `pnpm testenv …`: the testkit's command, given livesync's NATS users and permissions for
// `up --nats-auth` (the testkit itself depends on no livesync package).
import { natsPermissions } from "@livesync/engine";
import { runTestenvCli } from "@livesync/testkit";

runTestenvCli(process.argv.slice(2), {
  natsAuth: () => ({ users: { admin: undefined, ...natsPermissions() } }),
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
