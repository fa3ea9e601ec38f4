import { describe, expect, it } from 'vitest';
import {
  AutoMLStep,
  ClarifyCheckStep,
  EMRStep,
  InvalidArgumentError,
  NotebookJobStep,
  ParameterBoolean,
  ParameterError,
  Pipeline,
  QualityCheckStep,
  UnknownStepReferenceError,
} from '../../../src/index.js';
import { processingArgs } from './fixtures.js';

const ROLE = 'arn:aws:iam::123456789012:role/R';

describe('QualityCheck, ClarifyCheck, EMR, AutoML and NotebookJob steps', () => {
  it('validates expressions in step-level check fields like arguments (undeclared parameter, unknown step)', () => {
    const skip = new ParameterBoolean({ name: 'Skip' });
    const check = new QualityCheckStep({
      name: 'Q',
      checkType: 'DATA_QUALITY',
      arguments: processingArgs(),
      skipCheck: skip,
    });
    expect(() => new Pipeline({ name: 'p', steps: [check] }).definition()).toThrow(ParameterError);
    expect(() => new Pipeline({ name: 'p', steps: [check] }).definition()).toThrow("step 'Q' at SkipCheck");
    const ok = new Pipeline({ name: 'p', parameters: [skip], steps: [check] }).definitionObject().Steps[0];
    expect(ok).toMatchObject({
      Type: 'QualityCheck',
      SkipCheck: { Get: 'Parameters.Skip' },
      ModelPackageGroupName: null,
    });

    const other = new QualityCheckStep({ name: 'Other', checkType: 'MODEL_QUALITY', arguments: processingArgs() });
    const clarify = new ClarifyCheckStep({
      name: 'C',
      checkType: 'MODEL_BIAS',
      arguments: processingArgs(),
      suppliedBaselineConstraints: other.properties.CalculatedBaselineConstraints,
    });
    expect(() => new Pipeline({ name: 'p', steps: [clarify] }).definition()).toThrow(UnknownStepReferenceError);
    expect([...new Pipeline({ name: 'p', steps: [other, clarify] }).dependencyGraph().get('C')!]).toEqual(['Other']);
  });

  it('refuses unknown check types and a model on a data-bias check', () => {
    expect(
      () => new QualityCheckStep({ name: 'Q', checkType: 'DATA_BIAS' as never, arguments: processingArgs() }),
    ).toThrow(InvalidArgumentError);
    expect(
      () => new ClarifyCheckStep({ name: 'C', checkType: 'DATA_BIAS', arguments: processingArgs(), modelName: 'm' }),
    ).toThrow(/leave modelName out/);
  });

  it('needs exactly one of clusterId and clusterConfig on an EMR step, and a role only with a cluster id', () => {
    const stepConfig = { jar: 'command-runner.jar' };
    expect(() => new EMRStep({ name: 'E', stepConfig })).toThrow(/exactly one of clusterId/);
    expect(() => new EMRStep({ name: 'E', stepConfig, clusterId: 'j-1', clusterConfig: {} })).toThrow(/exactly one/);
    expect(() => new EMRStep({ name: 'E', stepConfig, clusterConfig: {}, executionRoleArn: ROLE })).toThrow(
      /executionRoleArn needs clusterId/,
    );
    expect(() => new EMRStep({ name: 'E', stepConfig, clusterConfig: { Steps: [] } })).toThrow(/must not set Steps/);
    const emr = new EMRStep({ name: 'E', stepConfig, clusterId: 'j-1' });
    expect(emr.properties.Status.State.expr).toEqual({ Get: 'Steps.E.Status.State' });
  });

  it('runs AutoML only in ENSEMBLING mode', () => {
    const base = {
      InputDataConfig: [],
      OutputDataConfig: { S3OutputPath: 's3://b/o' },
      RoleArn: ROLE,
    };
    expect(
      () => new AutoMLStep({ name: 'A', arguments: { ...base, AutoMLJobConfig: { Mode: 'HYPERPARAMETER_TUNING' } } }),
    ).toThrow(/ENSEMBLING/);
    const step = new AutoMLStep({ name: 'A', arguments: { ...base, AutoMLJobConfig: { Mode: 'ENSEMBLING' } } });
    expect(step.properties.BestCandidate.CandidateName.expr).toEqual({ Get: 'Steps.A.BestCandidate.CandidateName' });
  });

  it('names notebook properties as the Python SDK does (paths of the training job underneath)', () => {
    const options = {
      name: 'N',
      pipelineName: 'P',
      region: 'us-east-1',
      inputNotebook: 'a.ipynb',
      imageUri: 'i',
      kernelName: 'python3',
      role: ROLE,
      s3RootUri: 's3://b/n',
      timestamp: new Date(Date.UTC(2024, 0, 1)),
    };
    const step = new NotebookJobStep(options);
    expect(step.inputS3Uri).toBe('s3://b/n/P/N/input-2024-01-01-00-00-00-000');
    expect(step.properties.OutputNotebookName.expr).toEqual({ Get: "Steps.N.Environment['SM_OUTPUT_NOTEBOOK_NAME']" });
    expect(step.properties.NotebookJobInputLocation.expr).toEqual({
      Get: 'Steps.N.InputDataConfig[0].DataSource.S3DataSource.S3Uri',
    });
    expect(() => new NotebookJobStep({ ...options, inputNotebook: 'a.py' })).toThrow(/not a .ipynb file/);
  });
});
