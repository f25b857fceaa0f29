// Identities for the local runtime, carried by a bearer token in the shape of a JWT. Nothing signs or
// verifies it: the runtime listens on loopback only, and the token merely says who a request claims
// to be, as convex-test's `withIdentity` does. No Node APIs here, so a browser can mint tokens too.
import type { UserIdentity } from "convex/server";

/** What `ctx.auth.getUserIdentity()` returns; custom claims (e.g. `role`) pass through as they are. */
export type LocalIdentity = Partial<UserIdentity>;

export class IdentityTokenError extends Error {
  override name = "IdentityTokenError";
}

/** The JWT claim behind each identity attribute Convex documents; other claims keep their name. */
const CLAIM_BY_ATTRIBUTE: Record<string, string> = {
  subject: "sub",
  issuer: "iss",
  name: "name",
  givenName: "given_name",
  familyName: "family_name",
  nickname: "nickname",
  preferredUsername: "preferred_username",
  profileUrl: "profile",
  pictureUrl: "picture",
  email: "email",
  emailVerified: "email_verified",
  gender: "gender",
  birthday: "birthdate",
  timezone: "zoneinfo",
  language: "locale",
  phoneNumber: "phone_number",
  phoneNumberVerified: "phone_number_verified",
  address: "address",
  updatedAt: "updated_at",
};
const ATTRIBUTE_BY_CLAIM = Object.fromEntries(
  Object.entries(CLAIM_BY_ATTRIBUTE).map(([attribute, claim]) => [claim, attribute]),
);

/** An unsigned JWT (`alg: none`) whose claims are the identity, e.g. `{ subject, name, role }`. */
export function encodeIdentityToken(identity: LocalIdentity): string {
  const claims = Object.fromEntries(
    Object.entries(identity)
      .filter(([attribute, value]) => value !== undefined && attribute !== "tokenIdentifier")
      .map(([attribute, value]) => [CLAIM_BY_ATTRIBUTE[attribute] ?? attribute, value]),
  );
  return `${base64UrlEncode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64UrlEncode(JSON.stringify(claims))}.`;
}

/** The identity a token claims; any JWT is read, its signature is not checked. */
export function decodeIdentityToken(token: string): LocalIdentity {
  const payload = token.split(".")[1];
  if (payload === undefined) {
    throw new IdentityTokenError("the identity token is not a JWT: expected header.payload.signature");
  }
  let claims: unknown;
  try {
    claims = JSON.parse(base64UrlDecode(payload));
  } catch {
    throw new IdentityTokenError("the identity token's payload is not base64url-encoded JSON");
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
    throw new IdentityTokenError("the identity token's payload is not a JSON object of claims");
  }
  return Object.fromEntries(
    Object.entries(claims).map(([claim, value]) => [ATTRIBUTE_BY_CLAIM[claim] ?? claim, value]),
  ) as LocalIdentity;
}

function base64UrlEncode(text: string): string {
  const binary = Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte)).join("");
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base64UrlDecode(encoded: string): string {
  const binary = atob(encoded.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}
