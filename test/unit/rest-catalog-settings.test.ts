// How the ICEBERG_REST_* variables configure the REST catalog client, and the settings it refuses.
import { describe, expect, it } from "vitest";
import { restCatalogSettingsFromEnv } from "../../src/archive/rest-catalog/catalog-settings.ts";

describe("REST catalog settings from the environment", () => {
  it("needs no variable for a catalog without auth", () => {
    expect(restCatalogSettingsFromEnv({})).toEqual({
      warehouse: undefined,
      auth: { kind: "none" },
      vendedCredentials: false,
    });
  });

  it("reads a bearer token and a warehouse", () => {
    expect(
      restCatalogSettingsFromEnv({ ICEBERG_REST_TOKEN: "t", ICEBERG_REST_WAREHOUSE: "acct_bucket" }),
    ).toMatchObject({
      warehouse: "acct_bucket",
      auth: { kind: "bearer", token: "t" },
    });
  });

  it("splits an OAuth2 credential at the first colon, takes a bare secret, and asks for scope catalog by default", () => {
    expect(restCatalogSettingsFromEnv({ ICEBERG_REST_CREDENTIAL: "id:se:cret" }).auth).toEqual({
      kind: "oauth2",
      clientId: "id",
      clientSecret: "se:cret",
      tokenEndpoint: undefined,
      scope: "catalog",
    });
    expect(
      restCatalogSettingsFromEnv({
        ICEBERG_REST_CREDENTIAL: "secret-only",
        ICEBERG_REST_SCOPE: "PRINCIPAL_ROLE:ALL",
        ICEBERG_REST_OAUTH2_SERVER_URI: "https://idp.example.com/token",
      }).auth,
    ).toEqual({
      kind: "oauth2",
      clientId: undefined,
      clientSecret: "secret-only",
      tokenEndpoint: "https://idp.example.com/token",
      scope: "PRINCIPAL_ROLE:ALL",
    });
  });

  it("signs for the region of ICEBERG_REST_SIGNING_REGION, else AWS_REGION, with the environment's AWS keys when set", () => {
    expect(restCatalogSettingsFromEnv({ ICEBERG_REST_SIGV4: "glue", AWS_REGION: "eu-west-1" }).auth).toEqual({
      kind: "sigv4",
      signingName: "glue",
      region: "eu-west-1",
      credentials: undefined,
    });
    expect(
      restCatalogSettingsFromEnv({
        ICEBERG_REST_SIGV4: "s3tables",
        ICEBERG_REST_SIGNING_REGION: "us-east-2",
        AWS_REGION: "eu-west-1",
        AWS_ACCESS_KEY_ID: "AKID",
        AWS_SECRET_ACCESS_KEY: "SECRET",
        AWS_SESSION_TOKEN: "TOKEN",
      }).auth,
    ).toEqual({
      kind: "sigv4",
      signingName: "s3tables",
      region: "us-east-2",
      credentials: { accessKeyId: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN" },
    });
  });

  it("asks for vended credentials only when ICEBERG_REST_ACCESS_DELEGATION says so", () => {
    expect(restCatalogSettingsFromEnv({ ICEBERG_REST_ACCESS_DELEGATION: "vended-credentials" }).vendedCredentials).toBe(
      true,
    );
  });

  it.each([
    [
      { ICEBERG_REST_TOKEN: "t", ICEBERG_REST_CREDENTIAL: "a:b" },
      "ICEBERG_REST_TOKEN, ICEBERG_REST_CREDENTIAL: are all set; a REST catalog takes one way to authenticate",
    ],
    [
      { ICEBERG_REST_CREDENTIAL: "id:" },
      "ICEBERG_REST_CREDENTIAL: has no client secret; write it client_id:client_secret",
    ],
    [
      { ICEBERG_REST_CREDENTIAL: "a:b", ICEBERG_REST_OAUTH2_SERVER_URI: "idp/token" },
      'ICEBERG_REST_OAUTH2_SERVER_URI: is "idp/token"; it must be the token endpoint\'s http(s):// URL',
    ],
    [
      { ICEBERG_REST_SIGV4: "true", AWS_REGION: "us-east-1" },
      'ICEBERG_REST_SIGV4: is "true"; set it to the signing name of the endpoint: s3tables (S3 Tables) or glue (AWS Glue)',
    ],
    [{ ICEBERG_REST_SIGV4: "glue" }, "ICEBERG_REST_SIGNING_REGION: is not set (nor AWS_REGION)"],
    [
      { ICEBERG_REST_ACCESS_DELEGATION: "remote-signing" },
      'ICEBERG_REST_ACCESS_DELEGATION: is "remote-signing"; the only access delegation Reproject supports is vended-credentials',
    ],
  ])("refuses %o, naming the variable", (env, message) => {
    expect(() => restCatalogSettingsFromEnv(env)).toThrow(message);
  });
});
