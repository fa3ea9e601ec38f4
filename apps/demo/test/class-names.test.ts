/**
 * House rule (issue 16): class names are unique across the packages and the demo, so an error's `name` (and a
 * stack trace) says which package it came from. Every public entry point is read, so a new clash cannot slip in.
 */
import * as deployConfig from '@sagemaker-mlops/deploy-config';
import * as endpointClient from '@sagemaker-mlops/endpoint-client';
import * as endpointClientTesting from '@sagemaker-mlops/endpoint-client/testing';
import * as labelingBridge from '@sagemaker-mlops/labeling-bridge';
import * as labelingBridgeLambda from '@sagemaker-mlops/labeling-bridge/lambda';
import * as pipelineSdk from '@sagemaker-mlops/pipeline-sdk';
import * as localMode from '@sagemaker-mlops/local';
import { describe, expect, it } from 'vitest';
import * as demoErrors from '../src/errors.js';
import * as webErrors from '../src/web/errors.js';

const ENTRIES: Record<string, Record<string, unknown>> = {
  '@sagemaker-mlops/deploy-config': deployConfig,
  '@sagemaker-mlops/endpoint-client': endpointClient,
  '@sagemaker-mlops/endpoint-client/testing': endpointClientTesting,
  '@sagemaker-mlops/labeling-bridge': labelingBridge,
  '@sagemaker-mlops/labeling-bridge/lambda': labelingBridgeLambda,
  '@sagemaker-mlops/pipeline-sdk': pipelineSdk,
  '@sagemaker-mlops/local': localMode,
  'apps/demo errors': demoErrors,
  'apps/demo web errors': webErrors,
};

/** Exported classes (functions with a prototype of their own), by name, with the first entry that owns them. */
function owners(): Map<string, Map<unknown, string>> {
  const byName = new Map<string, Map<unknown, string>>();
  for (const [entry, exports] of Object.entries(ENTRIES)) {
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value !== 'function' || !/^class\b/.test(Function.prototype.toString.call(value))) continue;
      const classes = byName.get(name) ?? new Map<unknown, string>();
      // The same class re-exported from a second entry (e.g. PipelineSdkError from /local) is not a clash.
      if (!classes.has(value)) classes.set(value, entry);
      byName.set(name, classes);
    }
  }
  return byName;
}

describe('class names across the packages and the demo', () => {
  it('no two different exported classes share a name', () => {
    const clashes = [...owners()]
      .filter(([, classes]) => classes.size > 1)
      .map(([name, classes]) => `${name}: ${[...classes.values()].join(', ')}`);
    expect(clashes).toEqual([]);
  });

  it('reads every entry (a sanity check that the walk finds classes)', () => {
    const names = [...owners().keys()];
    expect(names).toEqual(
      expect.arrayContaining(['EndpointClient', 'Deployer', 'StageNotConfiguredError', 'UnknownStageError']),
    );
  });
});
