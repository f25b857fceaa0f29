// An auth provider for Reproject's admin functions: copy this file to `convex/auth.config.ts`.
// Convex reads it at every push, with the deployment's environment variables; a variable it reads
// that is not set makes the push fail ("Environment variable AUTH_ISSUER_URL is used in auth config
// file but its value was not set"), so set both first:
//
//   npx convex env set AUTH_ISSUER_URL https://your-issuer.example.com
//   npx convex env set AUTH_APPLICATION_ID your-application-id
//
// Any OpenID Connect issuer works (Convex fetches <AUTH_ISSUER_URL>/.well-known/openid-configuration
// and checks each token's signature, issuer and audience):
// - Clerk: AUTH_ISSUER_URL is the instance's Frontend API URL (https://<name>.clerk.accounts.dev, or
//   your custom domain in production); create a JWT template named "convex" and set
//   AUTH_APPLICATION_ID=convex. Add the admin role to the template's claims, e.g.
//   { "role": "{{user.public_metadata.role}}" }.
// - Auth0: AUTH_ISSUER_URL is https://<tenant>.<region>.auth0.com/ (with the trailing slash) and
//   AUTH_APPLICATION_ID the application's Client ID. Auth0 wants custom claims namespaced: a
//   post-login Action `api.idToken.setCustomClaim("https://reproject.dev/roles", event.authorization.roles)`
//   and REPROJECT_ADMIN_ROLE_CLAIM=https://reproject.dev/roles.
//
// Who is an admin is then decided in convex/auth.ts from the verified identity: its subject (the
// token's `sub`) listed in REPROJECT_ADMIN_SUBJECTS, or REPROJECT_ADMIN_ROLE (default "admin") in
// the claim named by REPROJECT_ADMIN_ROLE_CLAIM (default "role"), as a string or a list.
import type { AuthConfig } from "convex/server";

export default {
  providers: [
    {
      domain: process.env.AUTH_ISSUER_URL!,
      applicationID: process.env.AUTH_APPLICATION_ID!,
    },
  ],
} satisfies AuthConfig;
