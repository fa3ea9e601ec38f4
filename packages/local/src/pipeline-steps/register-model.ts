import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
} from '@aws-sdk/client-sagemaker';
import { asProperties, type StepAction } from './types.js';

/** A RegisterModel step: a model package version in its group. */
export const registerModelStep: StepAction = {
  evaluatedArguments: true,
  async run({ args }, { call }) {
    // As SageMaker Pipelines does (the SDK's examples never create the group): a RegisterModel step into a
    // model package group that does not exist creates it. CreateModelPackage called directly still refuses.
    const group = args.ModelPackageGroupName;
    if (typeof group === 'string' && !group.startsWith('arn:')) {
      const exists = await call(DescribeModelPackageGroupCommand, { ModelPackageGroupName: group }).then(
        () => true,
        () => false,
      );
      if (!exists) await call(CreateModelPackageGroupCommand, { ModelPackageGroupName: group }).catch(() => undefined);
    }
    const created = await call(CreateModelPackageCommand, args);
    const properties = asProperties(
      await call(DescribeModelPackageCommand, { ModelPackageName: created.ModelPackageArn }),
    );
    return { properties, metadata: { RegisterModel: { Arn: created.ModelPackageArn } } };
  },
};
