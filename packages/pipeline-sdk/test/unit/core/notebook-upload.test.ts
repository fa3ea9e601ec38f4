import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, NotebookJobStep, PipelineSession } from '../../../src/index.js';

const ROLE = 'arn:aws:iam::123456789012:role/SageMakerRole';

function notebookStep(session: PipelineSession | undefined, inputNotebook: string, initializationScript?: string) {
  return new NotebookJobStep({
    name: 'Report',
    pipelineName: 'Nb',
    region: 'us-east-1',
    inputNotebook,
    ...(initializationScript === undefined ? {} : { initializationScript }),
    imageUri: 'image',
    kernelName: 'python3',
    role: ROLE,
    s3RootUri: 's3://nb-bucket/root/',
    timestamp: new Date(Date.UTC(2024, 1, 3, 4, 5, 6, 7)),
    ...(session === undefined ? {} : { session }),
  });
}

describe('NotebookJobStep with a session', () => {
  it('records the notebook and the initialisation script under the folder the step reads, as the Python SDK uploads them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nb-'));
    const notebook = join(dir, 'report.ipynb');
    const script = join(dir, 'init.sh');
    writeFileSync(notebook, '{"cells": [], "nbformat": 4}');
    writeFileSync(script, '#!/bin/bash\npip install -q pandas\n');
    const session = new PipelineSession({ pipelineName: 'Nb', defaultBucket: 'other-bucket', region: 'us-east-1' });
    const step = notebookStep(session, notebook, script);

    const folder = 's3://nb-bucket/root/Nb/Report/input-2024-02-03-04-05-06-007';
    expect(step.inputS3Uri).toBe(folder);
    const channel = (step.arguments.InputDataConfig as { DataSource: { S3DataSource: { S3Uri: string } } }[])[0];
    expect(channel?.DataSource.S3DataSource.S3Uri).toBe(folder);
    expect(session.assets).toEqual([
      {
        bucket: 'nb-bucket',
        key: 'root/Nb/Report/input-2024-02-03-04-05-06-007/report.ipynb',
        body: '{"cells": [], "nbformat": 4}',
        s3Uri: `${folder}/report.ipynb`,
        contentType: 'application/x-ipynb+json',
      },
      {
        bucket: 'nb-bucket',
        key: 'root/Nb/Report/input-2024-02-03-04-05-06-007/init.sh',
        body: '#!/bin/bash\npip install -q pandas\n',
        s3Uri: `${folder}/init.sh`,
        contentType: 'text/x-shellscript',
      },
    ]);
    // The container finds the files by their base names.
    const env = step.arguments.Environment as Record<string, string>;
    expect(env.SM_INPUT_NOTEBOOK_NAME).toBe('report.ipynb');
    expect(env.SM_INIT_SCRIPT).toBe('init.sh');
  });

  it('refuses a notebook it cannot read, naming the field', () => {
    const session = new PipelineSession({ pipelineName: 'Nb', defaultBucket: 'b', region: 'us-east-1' });
    expect(() => notebookStep(session, '/nonexistent/report.ipynb')).toThrow(InvalidArgumentError);
    expect(() => notebookStep(session, '/nonexistent/report.ipynb')).toThrow(/cannot read InputNotebook/);
    expect(session.assets).toEqual([]);
  });

  it('records nothing (and reads nothing) without a session', () => {
    expect(notebookStep(undefined, '/nonexistent/report.ipynb').inputS3Uri).toContain('/Nb/Report/input-');
  });
});
