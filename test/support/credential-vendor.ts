// Hands out temporary S3 credentials the way a catalog's STS integration does: a new access key,
// secret and session token each time, valid for a fixed lifetime. The loopback catalog vends them;
// the S3 proxy in front of the test S3 server accepts only those, and only until they expire.
import { randomBytes } from "node:crypto";
import type { SigningKey } from "./sigv4-verification.ts";

export interface VendedCredential extends Required<SigningKey> {
  accessKeyId: string;
}

export class CredentialVendor {
  readonly issued: VendedCredential[] = [];

  constructor(private readonly lifetimeMs: number) {}

  issue(): VendedCredential {
    const credential = {
      accessKeyId: `VENDED${this.issued.length + 1}`,
      secretAccessKey: randomBytes(16).toString("hex"),
      sessionToken: randomBytes(24).toString("base64"),
      expiresAtMs: Date.now() + this.lifetimeMs,
    };
    this.issued.push(credential);
    return credential;
  }

  key(accessKeyId: string): SigningKey | undefined {
    return this.issued.find((credential) => credential.accessKeyId === accessKeyId);
  }
}

/** A vended credential in Iceberg's property names, as load table and load credentials return it. */
export function icebergS3Config(credential: VendedCredential): Record<string, string> {
  return {
    "s3.access-key-id": credential.accessKeyId,
    "s3.secret-access-key": credential.secretAccessKey,
    "s3.session-token": credential.sessionToken,
    "s3.session-token-expires-at-ms": String(credential.expiresAtMs),
  };
}
