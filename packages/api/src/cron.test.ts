import { describe, expect, it } from "vitest";
import { cronIntervalSeconds, cronProblem, nextCronRun, timeZoneProblem } from "./cron.js";

const at = (iso: string) => new Date(iso);
const HOUR = 3600;
const DAY = 24 * HOUR;

describe("nextCronRun", () => {
  it("is the next run strictly after the given time, in UTC by default", () => {
    expect(nextCronRun("0 2 * * *", undefined, at("2026-01-10T01:59:00Z"))).toEqual(
      at("2026-01-10T02:00:00Z"),
    );
    expect(nextCronRun("0 2 * * *", undefined, at("2026-01-10T02:00:00Z"))).toEqual(
      at("2026-01-11T02:00:00Z"),
    );
    expect(nextCronRun("*/15 * * * *", "UTC", at("2026-01-10T10:07:30Z"))).toEqual(
      at("2026-01-10T10:15:00Z"),
    );
  });

  it("reads the schedule in the time zone", () => {
    // 02:00 in Paris is 01:00 UTC in winter and 00:00 UTC in summer; 02:00 in New York is 07:00.
    expect(nextCronRun("0 2 * * *", "Europe/Paris", at("2026-01-10T00:00:00Z"))).toEqual(
      at("2026-01-10T01:00:00Z"),
    );
    expect(nextCronRun("0 2 * * *", "Europe/Paris", at("2026-07-10T03:00:00Z"))).toEqual(
      at("2026-07-11T00:00:00Z"),
    );
    expect(nextCronRun("0 2 * * *", "America/New_York", at("2026-01-10T00:00:00Z"))).toEqual(
      at("2026-01-10T07:00:00Z"),
    );
  });

  it("keeps running across DST changes, including a run in the skipped or repeated hour", () => {
    // Paris skips 02:00-03:00 on 2026-03-29 and repeats 02:00-03:00 on 2026-10-25.
    let t = at("2026-03-27T00:00:00Z");
    const spring: Date[] = [];
    for (let i = 0; i < 4; i++) spring.push((t = nextCronRun("30 2 * * *", "Europe/Paris", t)));
    expect(spring.every((d, i) => i === 0 || d > spring[i - 1]!)).toBe(true);
    expect(spring[0]).toEqual(at("2026-03-27T01:30:00Z"));
    expect(spring[3]).toEqual(at("2026-03-30T00:30:00Z"));
    t = at("2026-10-24T00:00:00Z");
    const autumn: Date[] = [];
    for (let i = 0; i < 4; i++) autumn.push((t = nextCronRun("30 2 * * *", "Europe/Paris", t)));
    expect(autumn.every((d, i) => i === 0 || d > autumn[i - 1]!)).toBe(true);
    expect(autumn[3]).toEqual(at("2026-10-27T01:30:00Z"));
  });

  it("throws on an invalid schedule (callers validate first)", () => {
    expect(() => nextCronRun("61 * * * *", undefined, at("2026-01-01T00:00:00Z"))).toThrow();
  });
});

describe("cronIntervalSeconds", () => {
  const from = at("2026-01-07T12:00:00Z"); // a Wednesday

  it.each([
    ["* * * * *", 60],
    ["*/5 * * * *", 300],
    ["0 * * * *", HOUR],
    ["0 */6 * * *", 6 * HOUR],
    ["0 2 * * *", DAY],
    ["0 3 * * 0", 7 * DAY],
  ])("%s: %i s", (schedule, seconds) => {
    expect(cronIntervalSeconds(schedule, undefined, from)).toBe(seconds);
  });

  it("is the longest regular gap: a weekday schedule's weekend, a business-hours one's night", () => {
    expect(cronIntervalSeconds("0 2 * * 1-5", undefined, from)).toBe(3 * DAY);
    // Friday 18:50 to Monday 08:00.
    expect(cronIntervalSeconds("*/10 8-18 * * 1-5", undefined, from)).toBe(
      2 * DAY + 13 * HOUR + 10 * 60,
    );
    expect(cronIntervalSeconds("0 0 1 * *", undefined, from)).toBe(31 * DAY);
  });

  it("honours the time zone and survives DST changes", () => {
    // Across the spring change a daily Paris schedule has a 23 h gap; the longest stays 24 h.
    expect(cronIntervalSeconds("0 2 * * *", "Europe/Paris", at("2026-03-26T00:00:00Z"))).toBe(DAY);
    // Across the autumn change one gap is 25 h.
    expect(cronIntervalSeconds("0 2 * * *", "Europe/Paris", at("2026-10-22T00:00:00Z"))).toBe(
      25 * HOUR,
    );
    expect(cronIntervalSeconds("0 * * * *", "Europe/Paris", at("2026-03-28T20:00:00Z"))).toBe(HOUR);
  });

  it("stays fast for a frequent schedule, and answers again at once", () => {
    const at = new Date("2026-02-03T04:05:06Z");
    let start = performance.now();
    expect(cronIntervalSeconds("*/2 * * * *", "Europe/Paris", at)).toBe(120);
    expect(performance.now() - start).toBeLessThan(2000);
    start = performance.now();
    for (let i = 0; i < 100; i++) cronIntervalSeconds("*/2 * * * *", "Europe/Paris", at);
    expect(performance.now() - start).toBeLessThan(50);
  });
});

describe("cronProblem", () => {
  it.each([
    "0 2 * * *",
    "*/15 * * * *",
    "0 0 1 1 *",
    "0 0 L * *",
    "0 9 * * MON-FRI",
    " 5 4 * * * ",
  ])("%s is valid", (schedule) => expect(cronProblem(schedule)).toBeUndefined());

  it.each([
    [
      "0 2 * *",
      '"0 2 * *" must have exactly 5 fields (minute hour day-of-month month day-of-week), got 4',
    ],
    [
      "0 0 2 * * *",
      '"0 0 2 * * *" must have exactly 5 fields (minute hour day-of-month month day-of-week), got 6',
    ],
    ["", '"" must have exactly 5 fields (minute hour day-of-month month day-of-week), got 0'],
    [
      "@daily",
      '"@daily": macros such as @daily are not supported; write the five fields, e.g. "0 0 * * *" for daily',
    ],
    [
      "TZ=UTC 0 2 * * *",
      '"TZ=UTC 0 2 * * *": set the time zone in timeZone, not with a TZ= prefix',
    ],
    ["H 2 * * *", '"H 2 * * *": "H" (a random value) is not supported; write a fixed value'],
    [
      "61 * * * *",
      '"61 * * * *" is not a valid cron expression: Constraint error, got value 61 expected range 0-59',
    ],
    [
      "0 0 31 2 *",
      '"0 0 31 2 *" is not a valid cron expression: Invalid explicit day of month definition',
    ],
    ["a b c d e", '"a b c d e" is not a valid cron expression: Invalid characters, got value: a'],
  ])("%j: %s", (schedule, message) => expect(cronProblem(schedule)).toBe(message));
});

describe("timeZoneProblem", () => {
  it.each(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"])("%s is valid", (tz) =>
    expect(timeZoneProblem(tz)).toBeUndefined(),
  );
  it.each(["Mars/Olympus", "", "Paris", "CEST+2"])("%j is not", (tz) =>
    expect(timeZoneProblem(tz)).toBe(
      `${JSON.stringify(tz)} is not a known IANA time zone, e.g. "Europe/Paris" or "UTC"`,
    ),
  );
});
