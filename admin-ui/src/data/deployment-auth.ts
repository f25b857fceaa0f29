// Sign-in against a Convex deployment. The deployment checks identity tokens (JWTs) from the
// providers its `convex/auth.config.ts` trusts; the panel only has to hand it one. Two ways:
//
// 1. Plug your auth provider in here (the recommended way): call `registerTokenProvider` before the
//    panel renders (e.g. at the top of main.tsx) with a function that returns a fresh ID token:
//
//      import { registerTokenProvider } from "./data/deployment-auth.ts";
//      registerTokenProvider({
//        label: "Clerk",
//        fetchToken: async ({ forceRefreshToken }) =>
//          (await clerk.session?.getToken({ template: "convex", skipCache: forceRefreshToken })) ?? null,
//      });
//
//    The panel then signs in with it ("Sign in with Clerk"); Convex calls `fetchToken` again
//    whenever the token needs refreshing.
// 2. Without a provider, paste an ID token issued by a trusted provider into the sign-in form.
//
// Either way, the backend's own rule decides who is an admin (REPROJECT_ADMIN_SUBJECTS, or the
// role claim); a refused identity sees the backend's reason.
import type { AuthTokenFetcher } from "convex/browser";

export interface TokenProvider {
  /** Shown on the sign-in button: "Sign in with <label>". */
  label: string;
  fetchToken: AuthTokenFetcher;
}

let registered: TokenProvider | null = null;

export function registerTokenProvider(provider: TokenProvider): void {
  registered = provider;
}

export function tokenProvider(): TokenProvider | null {
  return registered;
}
