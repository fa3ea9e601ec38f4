/**
 * One webhook bridge in its own process, on local mode's S3 and SageMaker in a shared state folder, as one of several
 * Lambda instances would be. Prints the server's URL on stdout; SIGTERM closes it.
 * Usage: tsx bridge-process.ts <stateDir> <bucket> <pipelineName> <threshold> <secret>
 */
import { LocalSageMaker } from '@sagemaker-mlops/pipeline-sdk/local';
import { MediaResolver, createWebhookBridge, startBridgeServer } from '../../src/index.js';

const [stateDir, bucket, pipelineName, threshold, secret] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const local = await LocalSageMaker.open({ stateDir });
const bridge = createWebhookBridge({
  s3: local.s3,
  sagemaker: local.sagemaker,
  lake: `s3://${bucket}/lake`,
  pipelineName,
  threshold: Number(threshold),
  auth: { sharedSecret: secret },
  media: new MediaResolver({ s3: local.s3, allowedBuckets: [bucket] }),
  logClassCounts: false,
});
const server = await startBridgeServer(bridge);
process.stdout.write(`${server.url}\n`);
process.once('SIGTERM', () => {
  void server
    .close()
    .then(() => local.close())
    .finally(() => process.exit(0));
});
