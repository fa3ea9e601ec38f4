import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import {
  type PackagedSourceDir,
  PROCESSING_CODE_PATH,
  type ScriptModeSettings,
  UploadedSourceDir,
} from '@sagemaker-mlops/pipeline-sdk';
import { Construct } from 'constructs';

export interface PipelineCodeAssetProps {
  /** A source folder packaged by pipeline-sdk's `packageSourceDir` (deterministic `sourcedir.tar.gz`). */
  readonly source: PackagedSourceDir;
}

/**
 * Container code as a CDK asset: the `sourcedir.tar.gz` pipeline-sdk packages, uploaded by `cdk deploy` to the
 * bootstrap bucket (instead of `uploadSourceDir` at run time), with the script-mode settings the framework containers
 * read. Processing jobs, which do not unpack archives, unpack it in their entrypoint (as the Python SDK's
 * FrameworkProcessor does with its runproc.sh).
 */
export class PipelineCodeAsset extends Construct {
  readonly asset: Asset;
  readonly source: PackagedSourceDir;
  /** The uploaded object as pipeline-sdk describes it (bucket and key are deploy-time values). */
  readonly uploaded: UploadedSourceDir;

  constructor(scope: Construct, id: string, props: PipelineCodeAssetProps) {
    super(scope, id);
    this.source = props.source;
    // Keyed by content hash: the same archive is written once per machine, not once per synth.
    const dir = join(tmpdir(), 'sagemaker-mlops-cdk', props.source.sha256);
    const file = join(dir, 'sourcedir.tar.gz');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${file}.${process.pid}`, props.source.archive);
      renameSync(`${file}.${process.pid}`, file);
    }
    this.asset = new Asset(this, 'Archive', { path: file });
    this.uploaded = new UploadedSourceDir(
      this.asset.s3BucketName,
      this.asset.s3ObjectKey,
      props.source.sha256,
      props.source.archive.length,
      props.source.entryPoint,
      props.source.files,
      false,
    );
  }

  /** `s3://<bootstrap bucket>/<hash>.gz` */
  get s3Uri(): string {
    return this.uploaded.s3Uri;
  }

  /** Script-mode hyperparameters of a training job (`sagemaker_submit_directory` = this asset). */
  trainingHyperParameters(settings: Partial<ScriptModeSettings> = {}): Record<string, string> {
    return this.uploaded.trainingHyperParameters({ region: Stack.of(this).region, ...settings });
  }

  /** `Environment` of a model whose inference container loads its code from this asset. */
  modelEnvironment(settings: Partial<ScriptModeSettings> = {}): Record<string, string> {
    return this.uploaded.modelEnvironment({ region: Stack.of(this).region, ...settings });
  }

  /**
   * `ContainerEntrypoint` of a processing job whose code input (this asset, mounted at
   * /opt/ml/processing/input/code) is the archive: unpack it, run `setup` there if given (e.g. a pip install), then
   * run `script` from it.
   */
  processingEntrypoint(script: string, options: { interpreter?: string; setup?: string } = {}): string[] {
    const steps = [
      `cd ${PROCESSING_CODE_PATH}`,
      'tar -xzf ./*.gz',
      ...(options.setup ? [options.setup] : []),
      `exec ${options.interpreter ?? 'python3'} ${PROCESSING_CODE_PATH}/${script}`,
    ];
    return ['/bin/sh', '-c', steps.join(' && ')];
  }

  /** Lets `grantee` (a job role) read the archive. */
  grantRead(grantee: IGrantable): void {
    // The one object, not the whole bootstrap bucket.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.asset.bucket.arnForObjects(this.asset.s3ObjectKey)],
      }),
    );
  }
}
