// Which of a load-table answer's storage credentials a table's reads use, and how they are read.
import { describe, expect, it } from "vitest";
import { s3CredentialsOf, storageConfigFor } from "../../src/archive/rest-catalog/vended-credentials.ts";

const credential = (prefix: string, key: string) => ({ prefix, config: { "s3.access-key-id": key } });

describe("vended storage credentials", () => {
  it("takes the longest prefix that covers the table's location, over the table config, whatever s3 scheme each is written with", () => {
    const config = storageConfigFor("s3a://bucket/warehouse/events", {
      config: { "s3.access-key-id": "CONFIG", "client.region": "eu-west-1" },
      "storage-credentials": [
        credential("s3://bucket", "BUCKET"),
        credential("s3://bucket/warehouse/events", "TABLE"),
        credential("s3://bucket/warehouse", "WAREHOUSE"),
      ],
    });
    expect(config).toEqual({ "s3.access-key-id": "TABLE", "client.region": "eu-west-1" });
  });

  it("does not take a prefix that only shares the first characters of the location", () => {
    const config = storageConfigFor("s3://bucket/warehouse2/events", {
      "storage-credentials": [credential("s3://bucket/warehouse", "OTHER"), credential("s3://bucket/", "BUCKET")],
    });
    expect(config).toEqual({ "s3.access-key-id": "BUCKET" });
  });

  it("reads the session token and the expiry of temporary credentials", () => {
    expect(
      s3CredentialsOf({
        "s3.access-key-id": "AKID",
        "s3.secret-access-key": "SECRET",
        "s3.session-token": "TOKEN",
        "s3.session-token-expires-at-ms": "1780000000000",
      }),
    ).toEqual({
      value: {
        accessKeyId: "AKID",
        secretAccessKey: "SECRET",
        sessionToken: "TOKEN",
        expiration: new Date(1780000000000),
      },
      expiresAtMs: 1780000000000,
    });
    expect(s3CredentialsOf({ "s3.access-key-id": "AKID" })).toBeUndefined();
  });
});
