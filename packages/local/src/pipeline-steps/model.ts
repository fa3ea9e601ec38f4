import { CreateModelCommand, DescribeModelCommand } from '@aws-sdk/client-sagemaker';
import { asProperties, type StepAction } from './types.js';

/** A Model step (the SDK's ModelStep for create): CreateModel, with the model described as its properties. */
export const modelStep: StepAction = {
  evaluatedArguments: true,
  async run({ args, name }, { call }) {
    const modelName = args.ModelName ?? name;
    await call(CreateModelCommand, { ...args, ModelName: modelName });
    const properties = asProperties(await call(DescribeModelCommand, { ModelName: modelName }));
    return { properties, metadata: { Model: { Arn: properties.ModelArn } } };
  },
};
