/**
 * One webhook bridge in its own process, on local mode's S3 and SageMaker in a shared state folder, as one of several
 * Lambda instances would be. Prints the server's URL on stdout; SIGTERM closes it.
 * Usage: tsx bridge-process.ts <stateDir> <bucket> <pipelineName> <threshold> <secret> [<crashAt> <before|after>]
 * With crashAt k, the process SIGKILLs itself at its k-th write (S3 PutObject/CopyObject/DeleteObject or
 * StartPipelineExecution), before sending it or after its answer: a crash at a chosen point between two writes.
 */
import { LocalSageMaker } from '@sagemaker-mlops/local';
import { MediaResolver, createWebhookBridge, startBridgeServer } from '../../src/index.js';

const [stateDir, bucket, pipelineName, threshold, secret, crashAt, crashWhen] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string | undefined,
  string | undefined,
];
const local = await LocalSageMaker.open({ stateDir });

const WRITES = new Set([
  'PutObjectCommand',
  'CopyObjectCommand',
  'DeleteObjectCommand',
  'StartPipelineExecutionCommand',
]);
let writes = 0;
/** Counts the client's writes and SIGKILLs this process at the chosen one. */
function crashAtWrite(client: { send: (command: never, ...rest: never[]) => Promise<unknown> }): void {
  if (crashAt === undefined) return;
  const send = client.send.bind(client);
  client.send = async (command: never, ...rest: never[]) => {
    if (!WRITES.has((command as object).constructor.name)) return send(command, ...rest);
    const n = ++writes;
    if (n === Number(crashAt) && crashWhen === 'before') process.kill(process.pid, 'SIGKILL');
    const answer = await send(command, ...rest);
    if (n === Number(crashAt) && crashWhen !== 'before') process.kill(process.pid, 'SIGKILL');
    return answer;
  };
}
crashAtWrite(local.s3 as never);
crashAtWrite(local.sagemaker as never);

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
