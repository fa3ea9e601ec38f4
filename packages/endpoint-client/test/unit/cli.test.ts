/** sm-endpoint-test end to end: the built CLI in a child process, over HTTP, with the real AWS SDK client. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { classifyBrightness, CLASS_LEVELS, writeImage } from '../support/images.js';
import { startRuntimeServer, type RuntimeServer } from '../support/runtime-server.js';

describe('sm-endpoint-test CLI', () => {
  let server: RuntimeServer;
  let good: string;
  let bad: string;
  beforeAll(async () => {
    server = await startRuntimeServer((request) => {
      if (request.endpointName === 'brightness') return { body: JSON.stringify(classifyBrightness(request.body, '4')) };
      // A deployed model that answers every request with an error: a model failure, not a set-up mistake.
      if (request.endpointName === 'broken')
        return { status: 424, errorType: 'ModelError', message: 'Received server error (500) from primary' };
      return {
        status: 400,
        errorType: 'ValidationError',
        message: `Endpoint ${request.endpointName} of account 123456789012 not found.`,
      };
    });
    good = mkdtempSync(join(tmpdir(), 'ec-cli-good-'));
    let seed = 1;
    for (const [label, level] of Object.entries(CLASS_LEVELS)) {
      writeImage(join(good, `${label}.png`), level, ++seed);
      writeImage(join(good, `${label}_2.png`), level, ++seed);
    }
    bad = mkdtempSync(join(tmpdir(), 'ec-cli-bad-'));
    writeImage(join(bad, 'dark', '1.png'), CLASS_LEVELS.dark, 3);
    writeImage(join(bad, 'dark', '2.png'), CLASS_LEVELS.mid, 4); // wrong label
    writeImage(join(bad, 'bright', '1.png'), CLASS_LEVELS.bright, 5);
    symlinkSync(join(bad, 'gone.png'), join(bad, 'bright', '2.png')); // unreadable
  });
  afterAll(async () => {
    await server.close();
  });

  it('passes when every image matches, and writes JUnit and JSON reports', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ec-cli-out-'));
    const result = await runCli([
      good,
      '--endpoint',
      'brightness',
      '--endpoint-url',
      server.endpoint,
      '--concurrency',
      '3',
      '--junit',
      join(out, 'junit.xml'),
      '--json',
      join(out, 'report.json'),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^PASS brightness: 6\/6 correct \(100\.0%, required 100\.0%\)/);
    expect(result.stdout).toContain('Confusion matrix (rows: expected, columns: predicted):');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      total: number;
      accuracy: number;
      perClass: unknown[];
    };
    expect(report.total).toBe(6);
    expect(report.accuracy).toBe(1);
    expect(report.perClass).toHaveLength(3);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('tests="6" failures="0" errors="0"');
    expect(junit).toContain('<testcase classname="dark" name="dark_2.png"');
  });

  it('exits non-zero naming the miss and reporting the unreadable file', async () => {
    const result = await runCli([bad, '--endpoint', 'brightness', '--endpoint-url', server.endpoint]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL brightness: 2\/4 correct/);
    expect(result.stdout).toMatch(/Misses \(1\):\n {2}dark\/2\.png: expected dark, predicted mid \(p=0\.\d+\)/);
    expect(result.stdout).toMatch(/Errors \(1\):\n {2}bright\/2\.png \[unreadable\]: cannot read .*ENOENT/);
  });

  it('--min-accuracy lets a known share of misses pass; --json - prints JSON', async () => {
    const result = await runCli([
      bad,
      '--endpoint',
      'brightness',
      '--endpoint-url',
      server.endpoint,
      '--min-accuracy',
      '0.5',
      '--json',
      '-',
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      passed: boolean;
      misses: Array<{ name: string }>;
      errors: Array<{ name: string }>;
    };
    expect(report.passed).toBe(true);
    expect(report.misses.map((m) => m.name)).toEqual(['dark/2.png']);
    expect(report.errors.map((e) => e.name)).toEqual(['bright/2.png']);
  });

  it('an unknown endpoint is a set-up mistake: exit 2, one message, no image tested', async () => {
    const result = await runCli([good, '--endpoint', 'nope', '--endpoint-url', server.endpoint]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      "sm-endpoint-test: endpoint 'nope' does not exist here: Endpoint nope of account 123456789012 not found. (check --endpoint, --region or --local)",
    ]);
  });

  it('a model that answers with errors is a test failure: exit 1 with the report', async () => {
    const result = await runCli([good, '--endpoint', 'broken', '--endpoint-url', server.endpoint]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL broken: 0\/6 correct/);
    expect(result.stdout).toContain("Endpoint 'broken' failed with ModelError");
  });

  // No region or credentials from anywhere: environment, profile files or the EC2 instance metadata service.
  const bareAws = {
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PROFILE: '',
  };

  it('no region is a set-up mistake: exit 2 with what to do', async () => {
    const result = await runCli([good, '--endpoint', 'brightness', '--endpoint-url', server.endpoint], {
      ...bareAws,
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'sm-endpoint-test: no AWS region: pass --region, or set AWS_REGION (or a region in your AWS profile)',
    ]);
  });

  it('no credentials is a set-up mistake: exit 2 with what to do', async () => {
    const result = await runCli([good, '--endpoint', 'brightness', '--endpoint-url', server.endpoint], {
      ...bareAws,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sm-endpoint-test: no AWS credentials: .*Configure them \(aws configure/);
  });

  it('a missing --local state folder is a set-up mistake: exit 2, and the folder is not created', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'ec-cli-local-')), 'typo-sagemaker-local');
    const result = await runCli([good, '--endpoint', 'brightness', '--local', missing]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`--local: no local-mode state folder at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });

  it('shows a progress bar on a terminal (run under a pseudo-terminal with script(1))', async () => {
    const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/testing/cli.js');
    const command = [process.execPath, cli, good, '--endpoint', 'brightness', '--endpoint-url', server.endpoint]
      .map((a) => `'${a}'`)
      .join(' ');
    const output = await new Promise<string>((done) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'a',
          AWS_SECRET_ACCESS_KEY: 'b',
          AWS_REGION: 'us-east-1',
          NODE_NO_WARNINGS: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.on('close', () => done(text));
    });
    expect(output).toMatch(/predicting \[.*\] \d+\/6 images/);
    expect(output).toContain('PASS brightness: 6/6 correct');
  });

  it('bad usage exits 2 with a message saying which flag is wrong', async () => {
    const a = await runCli([good, '--endpoint', 'brightness', '--concurrency', '0']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--concurrency: .*>=1/);
    const b = await runCli([good, '--endpoint', 'brightness', '--min-accuracy', '1.5']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--min-accuracy: .*<=1/);
    const c = await runCli([good, '--endpoint', 'brightness', '--local', '/tmp/x', '--region', 'eu-west-1']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--local: --local cannot be combined with --region or --endpoint-url');
    const d = await runCli([
      join(good, 'missing-folder'),
      '--endpoint',
      'brightness',
      '--endpoint-url',
      server.endpoint,
    ]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/Cannot read the image folder .*missing-folder \(ENOENT\)/);
    const e = await runCli([good]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("required option '--endpoint <name>' not specified");
  });
});
