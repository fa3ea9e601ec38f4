import { CopyObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MediaFetchError } from '../errors.js';
import type { MediaResolver } from '../media.js';
import { asMediaFetchError, readAll } from '../net.js';
import type { Lake } from './lake.js';

/** Writes annotation images into the lake from wherever Label Studio keeps them. */
export class LakeImageWriter {
  constructor(
    private readonly s3: S3Client,
    private readonly lake: Lake,
    private readonly media: MediaResolver,
  ) {}

  /** Stores the annotation's image at `key`: inline bytes, an S3 copy, or a stream from the media source. */
  async write(
    location: ReturnType<MediaResolver['locate']>,
    imageUrl: string,
    key: string,
    annotationId: number,
    taskId: number,
  ): Promise<void> {
    const metadata = { 'annotation-id': String(annotationId), 'task-id': String(taskId) };
    if (location.kind === 'inline') {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.lake.bucket,
          Key: key,
          Body: location.bytes,
          ContentType: location.contentType,
          Metadata: metadata,
        }),
      );
      return;
    }
    if (location.kind === 's3') {
      try {
        await this.s3.send(
          new CopyObjectCommand({
            Bucket: this.lake.bucket,
            Key: key,
            CopySource: `${location.bucket}/${encodeURIComponent(location.key).replace(/%2F/g, '/')}`,
            Metadata: metadata,
            MetadataDirective: 'REPLACE',
          }),
        );
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        const name = (error as Error).name;
        // A missing or unreadable source is the event's problem (4xx); anything else is ours (5xx).
        const sourceProblem =
          status === 404 ||
          status === 403 ||
          name === 'NoSuchKey' ||
          name === 'NoSuchBucket' ||
          name === 'AccessDenied';
        throw new MediaFetchError(location.url, `CopyObject failed: ${name}: ${(error as Error).message}`, {
          httpStatus: sourceProblem ? 422 : 502,
          cause: error,
        });
      }
      return;
    }
    const stream = await this.media.open(imageUrl);
    // Streamed when the length is known (the SDK needs it for a plain PutObject); otherwise buffered within maxBytes.
    const body =
      stream.contentLength === undefined ? await readAll(stream.body, this.media.maxBytes, imageUrl) : stream.body;
    // A source that fails mid-body fails the upload too (nothing is stored); answer with the source's error, not S3's.
    let sourceError: unknown;
    stream.body.once('error', (error) => {
      sourceError = error;
    });
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.lake.bucket,
          Key: key,
          Body: body,
          ...(stream.contentLength === undefined ? {} : { ContentLength: stream.contentLength }),
          ContentType: stream.contentType ?? 'application/octet-stream',
          Metadata: metadata,
        }),
      );
    } catch (error) {
      if (sourceError !== undefined) throw asMediaFetchError(sourceError, imageUrl);
      throw error;
    }
  }

  /** Copies an image already in the lake (a label change moves it). */
  async copyWithinLake(from: string, to: string): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.lake.bucket,
        Key: to,
        CopySource: `${this.lake.bucket}/${encodeURIComponent(from).replace(/%2F/g, '/')}`,
      }),
    );
  }
}
