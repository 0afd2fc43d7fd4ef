// BackupSchedule timing: five-field cron expressions read in an IANA time zone (UTC when none
// is given). Validation, the next run and the interval the "no successful backup" alert is
// measured against all go through here, so they agree on what a schedule means.

import { CronExpressionParser } from "cron-parser";

const FIELD_NAMES = "minute hour day-of-month month day-of-week";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// cron-parser's "H" picks a random value unless given a seed: the runs would change with every
// parse, so the operator and the alert could never agree on them.
const HASHED = /(^|[,/-])H(?![A-Z])/i;

const parse = (schedule: string, timeZone: string | undefined, at: Date) =>
  CronExpressionParser.parse(schedule.trim(), { currentDate: at, tz: timeZone ?? "UTC" });

/** Why `schedule` is not a usable five-field cron expression; undefined when it is. */
export function cronProblem(schedule: string): string | undefined {
  const json = JSON.stringify(schedule);
  const fields = schedule.trim().split(/\s+/).filter(Boolean);
  if (/^(CRON_)?TZ=/.test(fields[0] ?? ""))
    return `${json}: set the time zone in timeZone, not with a TZ= prefix`;
  if (fields[0]?.startsWith("@"))
    return `${json}: macros such as ${fields[0]} are not supported; write the five fields, e.g. "0 0 * * *" for daily`;
  if (fields.length !== 5)
    return `${json} must have exactly 5 fields (${FIELD_NAMES}), got ${fields.length}`;
  if (fields.some((f) => HASHED.test(f)))
    return `${json}: "H" (a random value) is not supported; write a fixed value`;
  try {
    parse(schedule, undefined, new Date(0)).next();
  } catch (e) {
    return `${json} is not a valid cron expression: ${(e as Error).message}`;
  }
  return undefined;
}

/** Why `timeZone` is not a usable IANA time zone name; undefined when it is. */
export function timeZoneProblem(timeZone: string): string | undefined {
  const problem = `${JSON.stringify(timeZone)} is not a known IANA time zone, e.g. "Europe/Paris" or "UTC"`;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    parse("0 0 * * *", timeZone, new Date(0)).next();
  } catch {
    return problem;
  }
  return timeZone === "" ? problem : undefined;
}

/**
 * The first run of `schedule` strictly after `after`, reading the expression in `timeZone`
 * (default UTC). Throws for an invalid schedule or zone: validate with cronProblem first.
 */
export function nextCronRun(schedule: string, timeZone: string | undefined, after: Date): Date {
  return parse(schedule, timeZone, after).next().toDate();
}

/**
 * The interval the schedule's backups are expected at, in seconds: the LONGEST gap between two
 * consecutive runs, not the shortest or a median, so "no success within twice the interval"
 * never fires on a schedule's regular long gaps (a weekend for "0 2 * * 1-5", a night for
 * "*\/10 8-18 * * *"). Found from the next runs (up to 32, or 400 days) and, for frequent
 * schedules, from hourly probes over eight days, which find every gap longer than an hour.
 */
export function cronIntervalSeconds(
  schedule: string,
  timeZone: string | undefined,
  from: Date = new Date(),
): number {
  // Up to a few hundred ms for a frequent schedule, and callers ask on every reconcile: the
  // answer is remembered for the day (it only moves with DST changes and month lengths).
  const key = `${schedule}\n${timeZone ?? ""}\n${Math.floor(from.getTime() / DAY_MS)}`;
  let seconds = remembered.get(key);
  if (seconds === undefined) {
    if (remembered.size >= 512) remembered.clear();
    remembered.set(key, (seconds = longestGapSeconds(schedule, timeZone, from)));
  }
  return seconds;
}

const remembered = new Map<string, number>();

function longestGapSeconds(schedule: string, timeZone: string | undefined, from: Date): number {
  const runs = parse(schedule, timeZone, from);
  let previous = runs.next().getTime();
  const first = previous;
  let longest = 0;
  for (let i = 0; i < 32 && previous - first < 400 * DAY_MS; i++) {
    const next = runs.next().getTime();
    longest = Math.max(longest, next - previous);
    previous = next;
  }
  if (previous - first < 8 * DAY_MS) {
    for (let t = first + HOUR_MS; t < first + 8 * DAY_MS; t += HOUR_MS) {
      const probe = parse(schedule, timeZone, new Date(t));
      const after = probe.next().getTime();
      longest = Math.max(longest, after - probe.prev().getTime());
    }
  }
  return longest / 1000;
}
