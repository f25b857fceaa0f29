// The demo's object store: s3rver on loopback, with the environment set so that everything in this
// process (the archive writer, and the Convex functions the local runtime hosts) reads and writes it.
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { mkdirSync } from "node:fs";
import {
  localS3Client,
  S3_LOCAL_CREDENTIALS,
  S3_LOCAL_REGION,
  startLocalS3Server,
  type LocalS3Server,
} from "../s3-server.ts";

export const DEMO_BUCKET = "reproject-demo";

export async function startDemoS3(directory: string): Promise<LocalS3Server> {
  mkdirSync(directory, { recursive: true });
  const server = await startLocalS3Server({ directory });
  Object.assign(process.env, {
    S3_ENDPOINT: server.endpoint,
    AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: S3_LOCAL_REGION,
  });
  const client = localS3Client(server.endpoint);
  try {
    await client.send(new CreateBucketCommand({ Bucket: DEMO_BUCKET }));
  } catch (error) {
    // The bucket is kept from an earlier run (s3rver keeps its data directory).
    if ((error as Error).name !== "BucketAlreadyOwnedByYou" && (error as Error).name !== "BucketAlreadyExists") {
      await server.stop();
      throw new Error(`creating the demo bucket on ${server.endpoint} failed: ${(error as Error).message}`);
    }
  } finally {
    client.destroy();
  }
  return server;
}
