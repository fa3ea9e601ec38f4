import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { zipClassCounts } from '@sagemaker-mlops/labeling-bridge';
import type { DemoContext } from '../context.js';
import { MissingPrerequisiteError } from '../errors.js';
import { RAW_DATASET_NAME } from '../steps.js';

/** The model's classes: the class folders of the raw data set zip in the lake (what every training run learns). */
export async function modelClasses(ctx: DemoContext): Promise<string[]> {
  const key = `${ctx.names.lakePrefix}/raw/${RAW_DATASET_NAME}`;
  const counts = await zipClassCounts(ctx.s3, ctx.names.bucket, key).catch((error: unknown) => {
    throw new MissingPrerequisiteError(
      'label',
      `the raw data set s3://${ctx.names.bucket}/${key} (${(error as Error).name})`,
      'Run the `data` step first (`all` does).',
    );
  });
  return Object.keys(counts).sort();
}

/** Keys of the unlabelled pool's images in the lake (`<lake>/unlabelled/`), sorted. */
export async function listUnlabelledPool(ctx: DemoContext): Promise<string[]> {
  const prefix = `${ctx.names.lakePrefix}/unlabelled/`;
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.s3.send(
      new ListObjectsV2Command({ Bucket: ctx.names.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? [])
      if (object.Key && /\.(png|jpe?g)$/i.test(object.Key)) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}
