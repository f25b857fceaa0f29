import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../support/fixtures.ts";
import { createTestBucket, testS3Client, uploadDirectory } from "../support/s3.ts";

describe("the loopback S3 server", () => {
  const client = testS3Client();

  it("stores an object and serves absolute and suffix ranges of it", async () => {
    const bucket = await createTestBucket(client);
    const body = Buffer.from("PAR1 ...column chunks... footer-length PAR1");
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "data/file.parquet", Body: body }));

    const whole = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "data/file.parquet" }));
    expect(Buffer.from(await whole.Body!.transformToByteArray())).toEqual(body);

    const middle = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: "data/file.parquet", Range: "bytes=5-25" }),
    );
    expect(Buffer.from(await middle.Body!.transformToByteArray()).toString()).toBe(body.subarray(5, 26).toString());
    expect(middle.ContentRange).toBe(`bytes 5-25/${body.length}`);

    const footer = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: "data/file.parquet", Range: "bytes=-8" }),
    );
    expect(Buffer.from(await footer.Body!.transformToByteArray()).toString()).toBe("gth PAR1");
    expect(footer.ContentRange).toBe(`bytes ${body.length - 8}-${body.length - 1}/${body.length}`);
  });

  it("lists a whole uploaded fixture table across pages", async () => {
    const bucket = await createTestBucket(client);
    const uploaded = await uploadDirectory(client, fixturePath("equality_deletes_partitioned"), bucket, "warehouse/t");

    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: "warehouse/t/", MaxKeys: 7, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((object) => object.Key!));
      token = page.NextContinuationToken;
    } while (token);

    expect(keys).toHaveLength(uploaded);
    expect(keys).toContain("warehouse/t/metadata/version-hint.text");
    expect(new Set(keys).size).toBe(keys.length);
  });
});
