#!/usr/bin/env -S npx tsx
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { downloadReports, ensurePythonEnv, runAll } from './all.js';
import { type DemoContext, openContext } from './context.js';
import { DemoError } from './errors.js';
import { consoleReporter, type Reporter } from './progress.js';
import { startDemoWeb } from './web-command.js';
import {
  approveStep,
  dataStep,
  deployStep,
  pipelineRunner,
  pipelineStart,
  pipelineUpsert,
  pipelineWait,
  relativeToRepo,
  testEndpointStep,
  tuneStep,
} from './steps.js';
import { statusReport } from './status.js';
import { demoCommand, type RunSelection } from './next-command.js';
import { synthDemoStack } from './cdk-app.js';

interface GlobalOptions {
  target: 'local' | 'aws';
  config?: string;
  tiny?: boolean;
  stateDir?: string;
  json?: boolean;
}

// The AWS SDK warns on every run that releases after January 2027 need Node 22; the demo targets Node 20.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(typeof warning === 'string' ? (rest[0] ?? warning) : warning.name).includes('NodeVersionSupportWarning'))
    return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const program = new Command()
  .name('demo')
  .description(
    'The seed MLOps loop on SageMaker (or local mode): data → tune → pipeline → approve → deploy → test → serve',
  )
  .addOption(new Option('--target <target>', 'where to run').choices(['local', 'aws']).default('local'))
  .option('--config <file>', 'AWS config (JSON: region, roleArn, bucket, pipelineName); needed with --target aws')
  .option('--tiny', 'tiny configuration for CI: few images, one epoch (a few minutes)')
  .option('--state-dir <dir>', 'local-mode state folder (also holds the demo run state)')
  .option('--json', 'print progress as JSON lines')
  .showHelpAfterError();

async function withContext<T>(
  command: Command,
  work: (ctx: DemoContext) => Promise<T>,
  options: { keepOpen?: boolean } = {},
): Promise<T> {
  const global = command.optsWithGlobals() as GlobalOptions;
  const reporter = consoleReporter({ json: Boolean(global.json) });
  if (global.target === 'local') ensurePythonEnv(reporter);
  const ctx = await openContext({
    target: global.target,
    profile: global.tiny ? 'tiny' : 'default',
    reporter,
    ...(global.config ? { configFile: global.config } : {}),
    ...(global.stateDir ? { stateDir: global.stateDir } : {}),
  });
  try {
    return await work(ctx);
  } finally {
    if (!options.keepOpen) await ctx.close();
  }
}

function single(name: string, description: string, run: (ctx: DemoContext) => Promise<Record<string, unknown>>) {
  return async (_options: unknown, command: Command) =>
    withContext(command, async (ctx) => {
      ctx.reporter.step(1, 1, name, description);
      const started = performance.now();
      const result = await run(ctx);
      ctx.state.record(name, result);
      ctx.reporter.done(name, JSON.stringify(result), (performance.now() - started) / 1000);
    });
}

program
  .command('data')
  .description('build the raw data set zip and the unlabelled pool, and put them in the lake')
  .action(single('data', 'build the data set', dataStep));

program
  .command('tune')
  .description('run the tuning job; its best parameters become the pipeline defaults')
  .action(single('tune', 'tuning job', tuneStep));

const pipeline = program.command('pipeline').description('the SageMaker pipeline: upsert | start | status');
pipeline
  .command('upsert')
  .description('create or update the pipeline definition')
  .action(single('pipeline-upsert', 'create or update the pipeline', pipelineUpsert));
pipeline
  .command('start')
  .description('start an execution and wait for it (parameters as NAME=VALUE)')
  .argument('[parameters...]', 'e.g. Epochs=2 LearningRate=0.01 AccuracyGate=0.8')
  .option('--no-wait', 'return once started')
  .action(async (parameters: string[], options: { wait: boolean }, command: Command) =>
    withContext(command, async (ctx) => {
      const values = Object.fromEntries(
        parameters.map((pair) => {
          const [name, ...rest] = pair.split('=');
          const value = rest.join('=');
          if (!name || rest.length === 0) throw new InvalidArgumentError(`parameter "${pair}" is not NAME=VALUE`);
          return [name, value !== '' && !Number.isNaN(Number(value)) ? Number(value) : value];
        }),
      );
      await pipelineUpsert(ctx);
      const executionArn = await pipelineStart(ctx, values);
      ctx.reporter.info(`started ${executionArn}`);
      if (options.wait) {
        const result = await pipelineWait(ctx, executionArn);
        ctx.state.record('pipeline', { executionArn, ...result });
        const reports = await downloadReports(ctx, executionArn);
        for (const [part, dir] of Object.entries(reports)) ctx.reporter.info(`${part} report: ${relativeToRepo(dir)}`);
      }
    }),
  );
pipeline
  .command('status')
  .description('the latest executions and their steps')
  .action(async (_o: unknown, command: Command) =>
    withContext(command, async (ctx) => {
      const runner = await pipelineRunner(ctx);
      const executions = await runner.listExecutions({ limit: 5 });
      if (executions.length === 0) ctx.reporter.info(`pipeline ${ctx.names.pipelineName} has no executions`);
      for (const execution of executions) {
        ctx.reporter.info(
          `${execution.arn}: ${execution.status} (started ${execution.startTime?.toISOString() ?? '?'})`,
        );
        const steps = await runner
          .execution(execution.arn)
          .listSteps()
          .catch(() => []);
        for (const step of steps)
          ctx.reporter.info(`    ${step.name}: ${step.status}${step.failureReason ? ` — ${step.failureReason}` : ''}`);
      }
    }),
  );

program
  .command('approve')
  .description('approve a registered model version (default: the latest pending one)')
  .argument('[version]', 'model package version number', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('the version is a whole number >= 1');
    return n;
  })
  .action(async (version: number | undefined, _o: unknown, command: Command) =>
    withContext(command, async (ctx) => {
      const result = await approveStep(ctx, version);
      ctx.state.record('approve', result);
    }),
  );

program
  .command('deploy')
  .description('deploy the latest approved version: staging (serverless) or prod (real-time, after staging)')
  .addArgument(new Command().createArgument('<stage>', 'staging or prod').choices(['staging', 'prod']))
  .action(async (stage: 'staging' | 'prod', _o: unknown, command: Command) =>
    withContext(command, async (ctx) => {
      const result = await deployStep(ctx, stage);
      ctx.state.record(`deploy-${stage}`, result);
      ctx.reporter.info(`${stage} endpoint ${result.endpointName} serves model version ${result.version}`);
    }),
  );

program
  .command('test-endpoint')
  .description('endpoint test kit: predict every image of a folder (label = file or folder name) and compare')
  .argument('[dir]', 'folder of labelled images (default: the held-out images of `data`)')
  .addOption(new Option('--stage <stage>', 'which endpoint').choices(['staging', 'prod']).default('staging'))
  .option('--min-accuracy <fraction>', 'fraction that must be right (default: the profile’s)', Number)
  .action(
    async (dir: string | undefined, options: { stage: 'staging' | 'prod'; minAccuracy?: number }, command: Command) =>
      withContext(command, async (ctx) => {
        const folder = dir ?? join(ctx.workDir, 'heldout');
        await testEndpointStep(ctx, {
          dir: folder,
          stage: options.stage,
          minAccuracy: options.minAccuracy ?? ctx.profile.endpointMinAccuracy,
        });
      }),
  );

interface LabelCommandOptions {
  port: number;
  bridgePort: number;
  threshold: number;
  labelStudioUrl?: string;
  labelStudioToken?: string;
  labelStudioPort: number;
}

function selectionOf(command: Command): RunSelection {
  const global = command.optsWithGlobals() as GlobalOptions;
  return {
    target: global.target,
    ...(global.tiny ? { tiny: true } : {}),
    ...(global.config ? { config: global.config } : {}),
    ...(global.stateDir ? { stateDir: global.stateDir } : {}),
  };
}

const label = program
  .command('label')
  .description(
    'label in Label Studio: starts it (local mode) or connects to yours, with the project, pre-labels and the webhook bridge',
  )
  .option('--port <port>', 'ML backend port', Number, 9090)
  .option('--bridge-port <port>', 'webhook bridge port', Number, 9091)
  .option('--threshold <n>', 'annotations that trigger a retrain (a pipeline run)', Number, 20)
  .addOption(
    new Option('--label-studio-url <url>', 'an existing Label Studio (AWS, or one you run)').env('LABEL_STUDIO_URL'),
  )
  .addOption(new Option('--label-studio-token <token>', 'its API token (Account & Settings)').env('LABEL_STUDIO_TOKEN'))
  .option('--label-studio-port <port>', 'port of the Label Studio the demo starts (local mode)', Number, 8200)
  .action(async (options: LabelCommandOptions, command: Command) =>
    withContext(command, async (ctx) => {
      const { startLabeling } = await import('./label-command.js');
      const { settleRetrainsBeforeExit } = await import('./labeling/retrain-guard.js');
      const selection = selectionOf(command);
      const running = await startLabeling(ctx, options, selection);
      ctx.reporter.info('');
      ctx.reporter.info(`Label Studio: ${running.projectUrl}`);
      if (running.login)
        ctx.reporter.info(
          `  login: ${running.login.username} / ${running.login.password} (kept in ${ctx.stateDir}/demo/label-studio/demo-login.json)`,
        );
      ctx.reporter.info(
        `  project ${running.projectId}: ${running.imported.imported} image(s) imported now, ${running.imported.already} already there`,
      );
      ctx.reporter.info(`  pre-labels: ML backend ${running.mlBackendUrl} → endpoint ${running.endpointName}`);
      ctx.reporter.info(
        `  annotations: webhook ${running.bridgeUrl}/webhook → ${running.lake}/annotated/<label>/; every ${options.threshold} retrain the model`,
      );
      ctx.reporter.info('  Ctrl-C stops (a retrain in progress is waited for).');
      const stopped = untilInterrupted();
      await stopped;
      await settleRetrainsBeforeExit(ctx, { lake: running.lake, interrupted: untilInterrupted() });
      await running.close();
    }),
  );

label
  .command('sync')
  .description('backfill: apply every Label Studio annotation to the lake and start retrains that are due')
  .option('--threshold <n>', 'annotations per retrain (as for `label`)', Number, 20)
  .addOption(new Option('--label-studio-url <url>', 'an existing Label Studio').env('LABEL_STUDIO_URL'))
  .addOption(new Option('--label-studio-token <token>', 'its API token').env('LABEL_STUDIO_TOKEN'))
  .option('--label-studio-port <port>', 'port of the Label Studio the demo starts (local mode)', Number, 8200)
  .action(async (options: Omit<LabelCommandOptions, 'port' | 'bridgePort'>, command: Command) =>
    withContext(command, async (ctx) => {
      const { syncLabels } = await import('./labeling/sync-command.js');
      const report = await syncLabels(ctx, { ...options, port: 0, bridgePort: 0 }, selectionOf(command));
      ctx.reporter.info(
        `project ${report.projectId}: ${report.annotations} annotation(s) of ${report.tasks} task(s); ${JSON.stringify(report.outcomes)}; removed ${report.removed}; retrains started: ${report.started.length}`,
      );
    }),
  );

program
  .command('web')
  .description('start the web front-end (upload images, see predictions)')
  .option('--port <port>', 'port', Number, 8080)
  .option('--host <host>', 'interface', '127.0.0.1')
  .action(async (options: { port: number; host: string }, command: Command) =>
    withContext(command, async (ctx) => {
      const server = await startDemoWeb(ctx, options);
      ctx.reporter.info(`front-end: ${server.url} (Ctrl-C to stop)`);
      await untilInterrupted();
      await server.close();
    }),
  );

program
  .command('status')
  .description('what is deployed, which version, the last execution')
  .action(async (_o: unknown, command: Command) =>
    withContext(command, async (ctx) => {
      for (const line of await statusReport(ctx)) ctx.reporter.info(line);
    }),
  );

program
  .command('cdk')
  .description(
    'the loop as a CDK app: `cdk synth` writes the cloud assembly `cdk deploy` deploys (@sagemaker-mlops/cdk)',
  )
  .argument('<action>', 'synth')
  .option('--out <dir>', 'cloud assembly folder (default $CDK_OUTDIR or apps/demo/cdk.out)')
  .option('--region <region>', 'region of the stack without --config (default $CDK_DEFAULT_REGION or us-east-1)')
  .action(async (action: string, options: { out?: string; region?: string }, command: Command) => {
    if (action !== 'synth') throw new InvalidArgumentError(`unknown cdk action '${action}' (expected synth)`);
    const global = command.optsWithGlobals() as GlobalOptions;
    const result = await synthDemoStack({
      ...(options.out ? { outDir: options.out } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(global.config ? { configFile: global.config } : {}),
    });
    // stderr: the cdk CLI may run this command as its app and reads the assembly, not stdout.
    if (global.json) console.log(JSON.stringify(result));
    else {
      console.error(`synthesized ${result.stackName} into ${result.outDir}`);
      console.error(`  template: ${result.templateFile}`);
      for (const [type, count] of Object.entries(result.resources).sort()) console.error(`  ${count} x ${type}`);
      console.error('  deploy: npx aws-cdk@2 deploy --app "npm run --silent demo -- cdk synth"');
    }
  });

program
  .command('all', { isDefault: true })
  .description(
    'the whole loop (default): data → tune → pipeline → approve → deploy staging → test → deploy prod → serve',
  )
  .option('--fresh', 'start over instead of resuming after the last completed step')
  .option('--no-serve', 'exit at the end instead of serving the front-end and the ML backend')
  .option('--port <port>', 'front-end port', Number, 8080)
  .action(async (options: { fresh?: boolean; serve: boolean; port: number }, command: Command) =>
    withContext(command, async (ctx) => {
      const started = performance.now();
      const outputs = await runAll(ctx, options);
      const reports = outputs['reports'] ?? {};
      const minutes = ((performance.now() - started) / 60_000).toFixed(1);
      ctx.reporter.info('');
      ctx.reporter.info(`The loop is done in ${minutes} min (${ctx.target}, ${ctx.profile.name} configuration).`);
      for (const [part, dir] of Object.entries(reports))
        ctx.reporter.info(`  ${part} report: ${relativeToRepo(String(dir))}`);
      ctx.reporter.info(`  endpoints: ${ctx.names.endpoints.staging} (staging), ${ctx.names.endpoints.prod} (prod)`);
      const selection = selectionOf(command);
      ctx.reporter.info(`  labelling in Label Studio: \`${demoCommand(selection, 'label')}\``);
      ctx.reporter.info(`  status: \`${demoCommand(selection, 'status')}\``);
      if (!options.serve) {
        ctx.reporter.info(`  front-end: \`${demoCommand(selection, 'web')}\``);
        return;
      }
      const web = await startDemoWeb(ctx, { port: options.port });
      ctx.reporter.info(`  front-end: ${web.url}`);
      ctx.reporter.info('  Ctrl-C stops the front-end and the local endpoints.');
      await untilInterrupted();
      await web.close();
    }),
  );

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

function reportFailure(error: unknown, reporter: Reporter): never {
  if (process.env['DEMO_DEBUG']) console.error(error);
  if (error instanceof DemoError) {
    reporter.info(`✖ ${error.message}`);
    reporter.info('  Fix the cause and run the same command again: completed steps are skipped.');
  } else {
    reporter.info(`✖ ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}

program.parseAsync(process.argv).catch((error: unknown) => reportFailure(error, consoleReporter()));
