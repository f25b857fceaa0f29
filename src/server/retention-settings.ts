// How long the engine keeps its own records (rebuild history, plans, dead letters, the audit log),
// from the deployment's environment (README "Configuration"). What a rebuild that can still go on
// needs is kept whatever these say (src/component/retention.ts).
import type { RetentionPolicy } from "../component/retention.ts";
import { numberSetting } from "./settings.ts";

const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION: RetentionPolicy = {
  rebuildsPerProjection: 50,
  plansPerProjection: 3,
  deadLetterMaxAgeMs: 30 * DAY_MS,
  auditLogMaxAgeMs: 90 * DAY_MS,
};

export function retentionSettings(env: Record<string, string | undefined> = process.env): RetentionPolicy {
  const number = (name: string, fallback: number, minimum: number) => numberSetting(name, fallback, minimum, env);
  const days = (name: string, fallbackMs: number) => number(name, fallbackMs / DAY_MS, 1) * DAY_MS;
  return {
    rebuildsPerProjection: Math.floor(number("REPROJECT_RETAIN_REBUILDS", DEFAULT_RETENTION.rebuildsPerProjection, 1)),
    plansPerProjection: Math.floor(number("REPROJECT_RETAIN_PLANS", DEFAULT_RETENTION.plansPerProjection, 0)),
    deadLetterMaxAgeMs: days("REPROJECT_RETAIN_DEAD_LETTER_DAYS", DEFAULT_RETENTION.deadLetterMaxAgeMs),
    auditLogMaxAgeMs: days("REPROJECT_RETAIN_AUDIT_DAYS", DEFAULT_RETENTION.auditLogMaxAgeMs),
  };
}
