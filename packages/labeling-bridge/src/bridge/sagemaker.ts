/**
 * The SageMaker parts the bridge uses, behind one module that callers load with a dynamic import(): a bundler then
 * keeps the SageMaker client's code (the largest part of the Lambda bundle) out of the cold-start path, and only
 * these two exports of the client package are kept.
 */
export { SageMakerClient, StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
