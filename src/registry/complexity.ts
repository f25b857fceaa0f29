// How heavy a projection's handlers are decides how many events one mutation applies: the heavier
// each event (more documents, bigger documents), the fewer fit in Convex's per-transaction limits.

export const EVENTS_PER_MUTATION = {
  light: 1000,
  moderate: 500,
  heavy: 250,
  extreme: 100,
} as const;

export type Complexity = keyof typeof EVENTS_PER_MUTATION;

export function isComplexity(value: unknown): value is Complexity {
  return typeof value === "string" && Object.hasOwn(EVENTS_PER_MUTATION, value);
}
