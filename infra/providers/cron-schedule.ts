/**
 * Checks a Render cron job's `schedule`: a standard five-field cron expression (minute hour day-of-month month
 * day-of-week), evaluated by Render in UTC. Checked here so that a typo fails `pulumi preview` naming the field,
 * instead of failing the create on Render after other resources of the update have changed.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Three-letter names Render's cron syntax accepts (JAN–DEC, SUN–SAT), mapped to their numbers. */
  names?: readonly string[];
  /** Whether `?` ("no specific value") is accepted, as in day-of-month and day-of-week. */
  question?: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

const FIELDS: readonly CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31, question: true },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day of week", min: 0, max: 6, names: DAYS, question: true },
];

function value(f: CronField, raw: string): number | string {
  const named = f.names?.indexOf(raw.toUpperCase() as never) ?? -1;
  // Month names are 1-based (JAN = 1), day names 0-based (SUN = 0).
  if (named >= 0) return f.name === "month" ? named + 1 : named;
  if (!/^\d+$/.test(raw)) return `"${raw}" is not a number${f.names ? ` or a name (${f.names[0]}…${f.names[f.names.length - 1]})` : ""}`;
  const n = Number(raw);
  return n < f.min || n > f.max ? `${n} is outside ${f.min}–${f.max}` : n;
}

function fieldProblem(f: CronField, text: string): string | undefined {
  if (f.question && text === "?") return undefined;
  for (const part of text.split(",")) {
    const [range, step, extra] = part.split("/");
    if (extra !== undefined || range === "") return `"${part}" is not a value, range or step`;
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) return `step "${step}" must be a whole number ≥ 1`;
    if (range === "*") continue;
    const bounds = range.split("-");
    if (bounds.length > 2) return `"${range}" is not a range like a-b`;
    const nums: number[] = [];
    for (const b of bounds) {
      const v = value(f, b);
      if (typeof v === "string") return v;
      nums.push(v);
    }
    if (nums.length === 2 && nums[0] > nums[1]) return `range "${range}" runs backwards`;
  }
  return undefined;
}

/** Why `schedule` is not a cron expression Render accepts, or undefined when it is. */
export function cronScheduleProblem(schedule: string): string | undefined {
  const example = `e.g. "0 3 * * *" for 03:00 UTC every day`;
  const parts = schedule.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === "") {
    return `schedule ${JSON.stringify(schedule)} must be a cron expression of five fields (minute hour day-of-month month day-of-week, UTC), ${example}`;
  }
  for (let i = 0; i < FIELDS.length; i++) {
    const p = fieldProblem(FIELDS[i], parts[i]);
    if (p) return `schedule ${JSON.stringify(schedule)}: ${FIELDS[i].name} ${p}; write a five-field cron expression (UTC), ${example}`;
  }
  return undefined;
}
