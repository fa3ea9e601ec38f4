import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { Command, CommanderError, Option } from 'commander';
import { z } from 'zod';
import { EndpointClient } from '../client.js';
import { EndpointClientError } from '../errors.js';
import { createRuntimeClient } from '../runtime.js';
import { listLabelledImages } from './dataset.js';
import { awsConfigProblem, endpointProblem, localStateProblem } from './preflight.js';
import { formatReport, toJUnitXml } from './report.js';
import { runEndpointTest } from './runner.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const optionsSchema = z
  .object({
    endpoint: z
      .string()
      .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'must be a SageMaker endpoint name (letters, digits, hyphens)'),
    region: z.string().min(1).optional(),
    local: z.string().min(1).optional(),
    endpointUrl: z.url().optional(),
    concurrency: z.coerce.number().int('must be a whole number').min(1).max(1_000),
    minAccuracy: z.coerce.number().min(0).max(1),
    junit: z.string().min(1).optional(),
    json: z.string().min(1).optional(),
    serverless: z.boolean().optional(),
    timeoutMs: z.coerce.number().int().positive().optional(),
    progress: z.boolean(),
  })
  .refine((o) => !(o.local && (o.region || o.endpointUrl)), {
    message: '--local cannot be combined with --region or --endpoint-url',
    path: ['local'],
  });

/** Loads local mode lazily: @sagemaker-mlops/local is an optional peer, needed only for --local. */
interface LocalModeHandle {
  runtime: SageMakerRuntimeClient;
  close(): Promise<void>;
}
const LOCAL_MODULE = '@sagemaker-mlops/local';
async function openLocalMode(stateDir: string): Promise<LocalModeHandle> {
  let mod: {
    LocalSageMaker?: {
      open(options: { stateDir: string }): Promise<LocalModeHandle>;
    };
  };
  try {
    mod = (await import(LOCAL_MODULE)) as typeof mod;
  } catch (error) {
    throw new EndpointClientError(
      'INVALID_INPUT',
      `--local needs ${LOCAL_MODULE}: install it with 'npm install @sagemaker-mlops/local' (${(error as Error).message})`,
      { cause: error },
    );
  }
  if (!mod.LocalSageMaker)
    throw new EndpointClientError(
      'INVALID_INPUT',
      `${LOCAL_MODULE} does not export LocalSageMaker; update @sagemaker-mlops/local`,
    );
  return mod.LocalSageMaker.open({ stateDir: resolve(stateDir) });
}

/** Runs `sm-endpoint-test`; returns the exit status: 0 passed, 1 accuracy below --min-accuracy, 2 usage or setup error. */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const program = new Command('sm-endpoint-test')
    .description(
      'Predicts every image of a folder with a SageMaker endpoint and compares with its label: the file name\n' +
        '(forest.jpg, forest_2.jpg) or the parent folder (forest/123.jpg). Exit status 0 when accuracy >= --min-accuracy.',
    )
    .argument('<dir>', 'folder of labelled images')
    .requiredOption('--endpoint <name>', 'endpoint name')
    .option('--region <region>', 'AWS region (default: from the environment / profile)')
    .option('--local <stateDir>', 'use the local-mode endpoint in this state folder instead of AWS')
    .addOption(new Option('--endpoint-url <url>', 'SageMaker Runtime URL to call instead of AWS (e.g. a test server)'))
    .option('--concurrency <n>', 'predictions in flight', '10')
    .option('--min-accuracy <fraction>', 'required accuracy, 0..1', '1')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--json <file>', "write the JSON report ('-' prints it instead of the text report)")
    .option('--serverless', 'apply the 4 MB serverless payload limit instead of 6 MB')
    .option('--timeout-ms <ms>', 'deadline per image, retries included')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  try {
    program.parse(argv as string[], { from: 'node' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const parsed = optionsSchema.safeParse(program.opts());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const flag = `--${String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      io.stderr.write(`sm-endpoint-test: ${flag}: ${issue.message}\n`);
    }
    return 2;
  }
  const options = parsed.data;
  const dir = program.args[0] as string;
  const jsonToStdout = options.json === '-';

  let local: LocalModeHandle | undefined;
  try {
    const images = listLabelledImages(dir);
    const setupError = (message: string) => {
      io.stderr.write(`sm-endpoint-test: ${message}\n`);
      return 2;
    };
    let runtime: SageMakerRuntimeClient;
    if (options.local) {
      const problem = await localStateProblem(options.local);
      if (problem) return setupError(problem);
      local = await openLocalMode(options.local);
      runtime = local.runtime;
    } else {
      runtime = createRuntimeClient({
        region: options.region,
        endpoint: options.endpointUrl,
        maxSockets: options.concurrency,
      });
      const problem = await awsConfigProblem(runtime);
      if (problem) return setupError(problem);
    }
    let retries = 0;
    const client = new EndpointClient({
      endpointName: options.endpoint,
      runtime,
      endpointKind: options.serverless ? 'Serverless' : 'RealTime',
      timeoutMs: options.timeoutMs,
      onRetry: () => {
        retries += 1;
      },
    });

    const first = images[0];
    const endpointSetup = first ? await endpointProblem(client, first.path) : undefined;
    if (endpointSetup) return setupError(endpointSetup);

    const showProgress = options.progress && io.stderr.isTTY === true && !jsonToStdout;
    const bar = showProgress ? await progressBar(io.stderr, images.length) : undefined;
    const report = await runEndpointTest({
      client,
      images,
      concurrency: options.concurrency,
      minAccuracy: options.minAccuracy,
      onProgress: (p) => bar?.update(p.done),
    });
    bar?.stop();

    if (options.junit) writeOutput(options.junit, toJUnitXml(report));
    const json = `${JSON.stringify({ ...report, retries }, null, 2)}\n`;
    if (options.json && !jsonToStdout) writeOutput(options.json, json);
    io.stdout.write(
      jsonToStdout
        ? json
        : `${formatReport(report)}${retries ? `\n\n${retries} retries (throttling, cold starts or transient errors)` : ''}\n`,
    );
    return report.passed ? 0 : 1;
  } catch (error) {
    io.stderr.write(`sm-endpoint-test: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  } finally {
    await local?.close();
  }
}

function writeOutput(file: string, content: string): void {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, content);
}

async function progressBar(stream: NodeJS.WritableStream, total: number) {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'predicting [{bar}] {value}/{total} images | {eta_formatted} left',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}
