// Numeric settings from the deployment's environment variables (`npx convex env set NAME value`).

/** The variable's number when it is one and at least `minimum`; otherwise the default. */
export function numberSetting(
  name: string,
  fallback: number,
  minimum = 0,
  env: Record<string, string | undefined> = process.env,
): number {
  const text = env[name];
  const value = Number(text);
  return text !== undefined && text.trim() !== "" && Number.isFinite(value) && value >= minimum ? value : fallback;
}
