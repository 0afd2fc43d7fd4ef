// TEMPORARY: the cron functions of @livesync/api (nextCronRun, cronIntervalSeconds) take this
// file's place once they are on main; until then cron-parser is loaded from @livesync/api's
// dependencies.

import { createRequire } from "node:module";

interface CronParser {
  CronExpressionParser: {
    parse(expr: string, opts: { currentDate: Date; tz?: string }): { next(): { toDate(): Date } };
  };
}
const load = createRequire(new URL("../../../../packages/api/package.json", import.meta.url));
const { CronExpressionParser } = load("cron-parser") as CronParser;

export function nextCronRun(schedule: string, timeZone: string | undefined, after: Date): Date {
  return CronExpressionParser.parse(schedule, { currentDate: after, tz: timeZone ?? "UTC" })
    .next()
    .toDate();
}

export function cronIntervalSeconds(schedule: string, timeZone: string | undefined): number {
  const first = nextCronRun(schedule, timeZone, new Date());
  return (nextCronRun(schedule, timeZone, first).getTime() - first.getTime()) / 1000;
}
