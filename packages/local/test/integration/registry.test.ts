import {
  CreateAutoMLJobCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  ResourceNotFound,
  SageMakerClient,
  UpdateModelPackageCommand,
  CreateModelCommand,
  DescribeModelCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalModeUnsupportedCommandError, LocalSageMaker } from '../../src/index.js';
import { tempStateDir } from './helpers.js';

const state = tempStateDir('registry');
let local: LocalSageMaker;
beforeAll(async () => {
  local = await LocalSageMaker.open({ stateDir: state.dir });
});
afterAll(async () => {
  await local.close();
  state.cleanup();
});

const inference = {
  Containers: [{ Image: 'pytorch-inference:2.5', ModelDataUrl: 's3://models/m/model.tar.gz' }],
  SupportedContentTypes: ['application/json'],
  SupportedResponseMIMETypes: ['application/json'],
};

describe('model registry', () => {
  it('versions packages in a group, lists with filters and approves', async () => {
    expect(local.sagemaker).toBeInstanceOf(SageMakerClient);
    const group = await local.sagemaker.send(
      new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'fashion', ModelPackageGroupDescription: 'demo' }),
    );
    expect(group.ModelPackageGroupArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:model-package-group/fashion');
    await expect(
      local.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'fashion' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });

    const first = await local.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'fashion',
        InferenceSpecification: inference,
        ModelMetrics: {
          ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://b/evaluation.json' } },
        },
        CustomerMetadataProperties: { accuracy: '0.91' },
      }),
    );
    expect(first.ModelPackageArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:model-package/fashion/1');
    const second = await local.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'fashion',
        InferenceSpecification: inference,
        ModelApprovalStatus: 'Approved',
        ClientToken: 'token-1',
      }),
    );
    const retried = await local.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'fashion',
        InferenceSpecification: inference,
        ModelApprovalStatus: 'Approved',
        ClientToken: 'token-1',
      }),
    );
    expect(retried.ModelPackageArn).toBe(second.ModelPackageArn);

    const described = await local.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: first.ModelPackageArn }),
    );
    expect(described).toMatchObject({
      ModelPackageGroupName: 'fashion',
      ModelPackageVersion: 1,
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageStatus: 'Completed',
      CustomerMetadataProperties: { accuracy: '0.91' },
    });
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(described.InferenceSpecification?.Containers?.[0]?.ModelDataUrl).toBe('s3://models/m/model.tar.gz');

    const pending = await local.sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: 'fashion', ModelApprovalStatus: 'PendingManualApproval' }),
    );
    expect(pending.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion)).toEqual([1]);

    await local.sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: first.ModelPackageArn,
        ModelApprovalStatus: 'Approved',
        ApprovalDescription: 'looks good',
        CustomerMetadataProperties: { reviewer: 'me' },
      }),
    );
    const approved = await local.sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: 'fashion',
        ModelApprovalStatus: 'Approved',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
      }),
    );
    expect(approved.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion)).toEqual([2, 1]);
    const updated = await local.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: first.ModelPackageArn }),
    );
    expect(updated.ApprovalDescription).toBe('looks good');
    expect(updated.CustomerMetadataProperties).toEqual({ accuracy: '0.91', reviewer: 'me' });

    await expect(
      local.sagemaker.send(
        new UpdateModelPackageCommand({
          ModelPackageArn: first.ModelPackageArn,
          ModelApprovalStatus: 'Maybe' as never,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      local.sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'nope' })),
    ).rejects.toBeInstanceOf(ResourceNotFound);
    await expect(
      local.sagemaker.send(
        new CreateModelPackageCommand({ ModelPackageGroupName: 'nope', InferenceSpecification: inference }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('CreateModelPackageGroup'),
    });
  });

  it('creates models from a model package', async () => {
    await local.sagemaker.send(
      new CreateModelCommand({
        ModelName: 'from-pkg',
        PrimaryContainer: { ModelPackageName: 'arn:aws:sagemaker:us-east-1:000000000000:model-package/fashion/1' },
      }),
    );
    const model = await local.sagemaker.send(new DescribeModelCommand({ ModelName: 'from-pkg' }));
    expect(model.ModelArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:model/from-pkg');
    await expect(
      local.sagemaker.send(new CreateModelCommand({ ModelName: 'from-pkg', PrimaryContainer: { Image: 'x' } })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(local.sagemaker.send(new DescribeModelCommand({ ModelName: 'missing' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('names commands local mode lacks', async () => {
    const error = await local.sagemaker.send(new CreateAutoMLJobCommand({} as never)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalModeUnsupportedCommandError);
    expect((error as Error).message).toContain('CreateAutoMLJobCommand');
  });
});
