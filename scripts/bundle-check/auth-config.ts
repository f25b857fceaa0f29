// What a deployment checks in `convex/auth.config.ts` at push (crates/isolate/src/environment/
// auth_config.rs in get-convex/convex-backend): the module is evaluated with the deployment's
// environment, where reading a variable that is not set is an error of its own, and its default
// export must be JSON holding a `providers` list Convex understands.

export const AUTH_CONFIG_MODULE = "auth.config.js";

/** Convex's message for an unset variable read by the auth config (the CLI special-cases it). */
export function missingAuthEnvMessage(name: string): string {
  return `Environment variable ${name} is used in auth config file but its value was not set`;
}

/** The ways the default export does not match what Convex accepts, in Convex's words where it has them. */
export function authConfigProblems(config: unknown): string[] {
  if (config === undefined || config === null) return ["auth config file is missing default export"];
  let json: unknown;
  try {
    json = JSON.parse(JSON.stringify(config));
  } catch {
    return ["auth config file can only contain strings"];
  }
  const providers = (json as { providers?: unknown }).providers;
  if (!Array.isArray(providers)) return ["the default export has no `providers` array"];
  const problems: string[] = [];
  providers.forEach((provider: Record<string, unknown> | null, index) => {
    if (typeof provider !== "object" || provider === null) {
      problems.push(`Provider at index ${index} is not an object`);
      return;
    }
    const type = typeof provider.type === "string" ? provider.type : "unknown";
    if ("applicationId" in provider || "applicationid" in provider) {
      problems.push(`Provider at index ${index} must have applicationID property spelled lowercase 'application', capital I, capital D.`);
    }
    if (type !== "customJwt" && type !== "oidc" && type !== "unknown") {
      problems.push(`Provider at index ${index} has unexpected 'type' value '${type}'`);
    } else if (type === "customJwt") {
      if ("domain" in provider) problems.push(`Provider at index ${index} is a customJwt so cannot have a 'domain' specified`);
      for (const field of ["issuer", "jwks", "algorithm"]) {
        if (typeof provider[field] !== "string") problems.push(`Provider at index ${index} (customJwt) needs a string '${field}'`);
      }
    } else {
      if ("issuer" in provider) problems.push(`Provider at index ${index} is oidc so cannot have an 'issuer' specified.`);
      if (typeof provider.domain !== "string" || !/^https?:\/\//.test(provider.domain)) {
        problems.push(`Provider at index ${index} needs 'domain', the issuer's URL (got ${JSON.stringify(provider.domain)})`);
      }
      if (typeof provider.applicationID !== "string" || provider.applicationID === "") {
        problems.push(`Provider at index ${index} needs 'applicationID', the audience its tokens carry`);
      }
    }
  });
  return problems;
}
