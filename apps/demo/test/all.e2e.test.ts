/**
 * `npm run demo` (the `all` command) end to end in local mode with the tiny configuration: every step
 * runs for real — make_dataset.py, the tuning job, the pipeline (preprocess, train, evaluate with drift,
 * explanation and robustness, the gate, RegisterModel), approval, the serverless staging endpoint, the
 * endpoint tests on held-out images, the prod endpoint — then a rerun resumes with nothing left to do.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openContext } from '../src/context.js';
import { startLabeling } from '../src/label-command.js';
import { consoleReporter } from '../src/progress.js';
import { startDemoWeb } from '../src/web-command.js';
import { freePort } from '@sagemaker-mlops/test-services';
import { runCli } from './cli.js';
import { seedLabelStudio } from './label-studio-seed.js';

const CLASSES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];

const stateDir = process.env['DEMO_E2E_STATE_DIR'] ?? mkdtempSync(join(tmpdir(), 'demo-all-'));
const workDir = join(stateDir, 'demo', 'local');

afterAll(() => {
  if (!process.env['DEMO_E2E_STATE_DIR']) rmSync(stateDir, { recursive: true, force: true });
});

describe.sequential('npm run demo -- --tiny all (local mode)', () => {
  it('runs the whole loop', async () => {
    const result = await runCli(['--tiny', '--state-dir', stateDir, 'all', '--no-serve'], { timeoutMs: 1_500_000 });
    expect(result.code, result.output.slice(-4000)).toBe(0);
    for (const step of [
      'data',
      'tune',
      'pipeline',
      'reports',
      'approve',
      'deploy-staging',
      'test-staging',
      'deploy-prod',
    ]) {
      expect(result.output).toContain(`✔ ${step} (`);
    }
    expect(result.output).toContain('The loop is done');
    // The next commands repeat the run's options, so they find this run's state.
    expect(result.output).toContain(`npm run demo -- label --tiny --state-dir ${stateDir}`);
    // Tuning shows each trial as it finishes, not only the best one at the end.
    expect(
      result.output.match(/tuning: trial=\d+ model=resnet18 optimizer=SGD lr=[0-9.]+ val_accuracy=/g),
    ).toHaveLength(2);
  }, 1_600_000);

  it('recorded every step, and the endpoint tests passed on the held-out images', () => {
    const state = JSON.parse(readFileSync(join(workDir, 'run-state.json'), 'utf8')) as {
      steps: Record<string, { outputs: Record<string, unknown> }>;
    };
    const test = state.steps['test-staging']?.outputs;
    expect(test?.['total']).toBe(20); // 2 held-out test images of each of the 10 classes
    expect(readFileSync(join(workDir, 'reports', 'endpoint-test-staging.txt'), 'utf8')).toMatch(/PASS|passed/i);
    expect(state.steps['deploy-prod']?.outputs['version']).toBe(1);
  });

  it('fetched the evaluation, drift, explanation and robustness reports', () => {
    const reports = join(workDir, 'reports');
    const execution = readdirSync(reports).find((name) => !name.endsWith('.txt'));
    expect(execution).toBeDefined();
    const base = join(reports, execution as string);
    const evaluation = JSON.parse(readFileSync(join(base, 'evaluation', 'evaluation.json'), 'utf8'));
    // Seeded data, split, initialisation and tuning: the tiny model is clearly better than chance (0.10) every run.
    expect(evaluation.multiclass_classification_metrics.accuracy.value).toBeGreaterThanOrEqual(0.5);
    expect(existsSync(join(base, 'drift', 'dd_unpert.json'))).toBe(true);
    expect(existsSync(join(base, 'drift', 'dd_pert.json'))).toBe(true);
    expect(readFileSync(join(base, 'explanation', 'explanation.md'), 'utf8')).toMatch(/\.png/);
    expect(readFileSync(join(base, 'robustness', 'robustness.md'), 'utf8')).toMatch(/\.png/);
  });

  it('serves the deployed model to the front-end and the Label Studio ML backend (endpoints restarted from the state folder)', async () => {
    const ctx = await openContext({
      target: 'local',
      profile: 'tiny',
      stateDir,
      reporter: consoleReporter({ json: true }),
    });
    try {
      const web = await startDemoWeb(ctx);
      const image = readFileSync(
        join(workDir, 'heldout', 'bag', readdirSync(join(workDir, 'heldout', 'bag'))[0] as string),
      );
      const response = await fetch(`${web.url}/api/predict?name=bag.png`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: new Uint8Array(image),
      });
      const prediction = await response.json();
      await web.close();
      expect(response.status, JSON.stringify(prediction)).toBe(200);
      expect(prediction).toMatchObject({ stage: 'prod', endpointName: 'sagemaker-mlops-demo-prod' });
      expect(prediction.probabilities).toHaveLength(10);
      expect(CLASSES).toContain(prediction.label);
      // The same model name as Label Studio's pre-labels below.
      expect(prediction.modelVersion).toBe('sagemaker-mlops-demo/1');

      seedLabelStudio(join(stateDir, 'demo', 'label-studio'));
      const labeling = await startLabeling(
        ctx,
        { port: 0, bridgePort: 0, threshold: 5, labelStudioPort: await freePort() },
        { target: 'local', tiny: true, stateDir },
      );
      const labelConfig = `<View><Image name="image" value="$image"/><Choices name="label" toName="image">${CLASSES.map((c) => `<Choice value="${c}"/>`).join('')}</Choices></View>`;
      const predict = await fetch(`${labeling.mlBackendUrl}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          tasks: [{ id: 1, data: { image: 's3://sagemaker-mlops-demo/lake/unlabelled/pool-00000.png' } }],
          label_config: labelConfig,
        }),
      });
      const body = await predict.json();
      await labeling.close();
      expect(predict.status, JSON.stringify(body)).toBe(200);
      expect(body.results[0].model_version).toBe('sagemaker-mlops-demo/1');
      expect(CLASSES).toContain(body.results[0].result[0].value.choices[0]);
    } finally {
      await ctx.close();
    }
  }, 900_000); // Label Studio's first start may migrate its database when no seed exists

  it('resumes: a rerun finds every step done', async () => {
    const result = await runCli(['--tiny', '--state-dir', stateDir, 'all', '--no-serve'], { timeoutMs: 300_000 });
    expect(result.code, result.output.slice(-3000)).toBe(0);
    expect(result.output.match(/done in an earlier run/g)).toHaveLength(8);
  }, 320_000);
});
