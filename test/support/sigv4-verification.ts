// Checks an AWS SigV4-signed request the way AWS does: a known access key, the right region and
// service in its scope, a fresh X-Amz-Date, unexpired credentials with their session token, and a
// signature that matches one recomputed with the AWS SDK's signer and the key's secret.
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import type { IncomingHttpHeaders } from "node:http";

export interface SigningKey {
  secretAccessKey: string;
  sessionToken?: string;
  /** Epoch ms after which AWS refuses the key as expired. */
  expiresAtMs?: number;
}

export interface SignedRequest {
  method: string;
  /** The request target as sent: path and query, still encoded. */
  url: string;
  headers: IncomingHttpHeaders;
  body?: Buffer;
}

export type SigV4Verdict =
  { ok: true; accessKeyId: string } | { ok: false; status: number; code: string; message: string };

/** AWS accepts a request signed at most 15 minutes before or after its own clock. */
export const MAX_SIGNING_SKEW_MS = 15 * 60_000;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

export async function verifySigV4(
  request: SignedRequest,
  expected: { service: string; region: string; keys: (accessKeyId: string) => SigningKey | undefined },
): Promise<SigV4Verdict> {
  const authorization = request.headers.authorization;
  if (!authorization) return refuse(403, "MissingAuthenticationToken", "the request is not signed");
  const match = AUTHORIZATION.exec(authorization);
  if (!match) return refuse(403, "IncompleteSignature", `Authorization is not a SigV4 header: ${authorization}`);
  const [, accessKeyId, , region, service, signedHeaders] = match as unknown as string[];
  if (service !== expected.service || region !== expected.region) {
    return refuse(
      403,
      "SignatureDoesNotMatch",
      `credential scoped to ${region}/${service}, expected ${expected.region}/${expected.service}`,
    );
  }
  const key = expected.keys(accessKeyId!);
  if (!key) return refuse(403, "InvalidAccessKeyId", `unknown access key ${accessKeyId}`);
  if (key.expiresAtMs !== undefined && Date.now() >= key.expiresAtMs) {
    return refuse(400, "ExpiredToken", `the credentials of access key ${accessKeyId} expired`);
  }
  if (key.sessionToken !== request.headers["x-amz-security-token"]) {
    return refuse(403, "InvalidToken", `the session token does not belong to access key ${accessKeyId}`);
  }
  const signingDate = parseAmzDate(String(request.headers["x-amz-date"] ?? ""));
  if (!signingDate || Math.abs(Date.now() - signingDate.getTime()) > MAX_SIGNING_SKEW_MS) {
    return refuse(
      403,
      "RequestTimeTooSkewed",
      `X-Amz-Date ${request.headers["x-amz-date"]} is more than 15 minutes from now`,
    );
  }
  const recomputed = await recomputeAuthorization(request, signedHeaders!.split(";"), signingDate, {
    accessKeyId: accessKeyId!,
    ...key,
    service,
    region,
  });
  if (recomputed !== authorization)
    return refuse(403, "SignatureDoesNotMatch", "the signature does not match the request and the key's secret");
  return { ok: true, accessKeyId: accessKeyId! };
}

async function recomputeAuthorization(
  request: SignedRequest,
  signedHeaders: string[],
  signingDate: Date,
  key: SigningKey & { accessKeyId: string; service: string; region: string },
): Promise<string | undefined> {
  const url = new URL(request.url, "http://signed.invalid");
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const headers: Record<string, string> = {};
  // The signer adds X-Amz-Date and the session token itself, from the date and key given.
  for (const name of signedHeaders) {
    if (name !== "x-amz-date" && name !== "x-amz-security-token") headers[name] = String(request.headers[name] ?? "");
  }
  const signer = new SignatureV4({
    service: key.service,
    region: key.region,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken },
    sha256: Sha256,
    // S3 signs the path as sent; every other service signs it encoded once more.
    uriEscapePath: key.service !== "s3",
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers,
      body: request.body?.length ? request.body : undefined,
    },
    { signingDate },
  );
  return signed.headers.authorization;
}

function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return match ? new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`) : undefined;
}

function refuse(status: number, code: string, message: string): SigV4Verdict {
  return { ok: false, status, code, message };
}
