import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { DriftVerdict, EvaluationView, MarkdownReport, MetricValue, ReportImagePart } from './contract.js';

/** What the demo pipeline's Evaluate step writes next to evaluation.json (see apps/demo/ml/evaluate.py). */
export interface VersionReports {
  evaluation: EvaluationView | null;
  drift: DriftVerdict[];
  explanation: MarkdownReport | null;
  robustness: MarkdownReport | null;
  problems: string[];
}

const metricSchema = z.object({ value: z.number(), standard_deviation: z.number().optional() });
const evaluationSchema = z.object({
  multiclass_classification_metrics: z.record(z.string(), z.unknown()),
  per_class_metrics: z
    .record(
      z.string(),
      z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number().int() }),
    )
    .optional(),
  test_images: z.number().int().optional(),
});
const confusionSchema = z.record(z.string(), z.record(z.string(), z.number().int()));
const driftSchema = z.object({
  is_drift: z.boolean(),
  p_val: z.number(),
  threshold: z.number(),
  distance: z.number().optional(),
  test: z.string().optional(),
  reference: z.string().optional(),
});

/** The run's report folder: evaluation.json sits in `<run>/evaluation/`, the other reports beside it. */
export function reportRoot(evaluationUri: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)\/evaluation\/evaluation\.json$/.exec(evaluationUri);
  return match ? { bucket: match[1] as string, prefix: match[2] as string } : undefined;
}

/** Turns evaluation.json (SageMaker's multiclass model-quality layout plus per-class metrics) into the page's view. */
export function evaluationView(document: unknown): EvaluationView {
  const parsed = evaluationSchema.parse(document);
  const metrics: MetricValue[] = [];
  let confusion: EvaluationView['confusion'] = null;
  for (const [name, raw] of Object.entries(parsed.multiclass_classification_metrics)) {
    if (name === 'confusion_matrix') {
      const matrix = confusionSchema.parse(raw);
      const labels = Object.keys(matrix);
      confusion = { labels, rows: labels.map((actual) => labels.map((predicted) => matrix[actual]?.[predicted] ?? 0)) };
      continue;
    }
    const metric = metricSchema.safeParse(raw);
    if (metric.success) {
      metrics.push({ name, value: metric.data.value, standardDeviation: metric.data.standard_deviation ?? null });
    }
  }
  return {
    accuracy: metrics.find((m) => m.name === 'accuracy')?.value ?? null,
    testImages: parsed.test_images ?? null,
    metrics,
    perClass: Object.entries(parsed.per_class_metrics ?? {}).map(([label, m]) => ({ label, ...m })),
    confusion,
  };
}

/** Reads the drift, explanation and robustness reports of a run; a missing or malformed one becomes a problem line. */
export async function readRunReports(
  s3: S3Client,
  evaluationUri: string,
  evaluationDocument: { value: unknown } | { readError: string },
): Promise<VersionReports> {
  const problems: string[] = [];
  let evaluation: EvaluationView | null = null;
  if ('readError' in evaluationDocument) {
    problems.push(`${evaluationUri}: ${evaluationDocument.readError}`);
  } else {
    try {
      evaluation = evaluationView(evaluationDocument.value);
    } catch (error) {
      problems.push(`evaluation.json is not the demo's evaluation report: ${describe(error)}`);
    }
  }
  const root = reportRoot(evaluationUri);
  if (!root) {
    problems.push(
      `no drift, explanation or robustness reports: ${evaluationUri} is not <run>/evaluation/evaluation.json`,
    );
    return { evaluation, drift: [], explanation: null, robustness: null, problems };
  }
  const read = async (key: string): Promise<string | undefined> => {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: root.bucket, Key: `${root.prefix}/${key}` }));
      return (await object.Body?.transformToString()) ?? '';
    } catch (error) {
      problems.push(`s3://${root.bucket}/${root.prefix}/${key}: ${describe(error)}`);
      return undefined;
    }
  };
  const [unperturbed, perturbed, explanation, robustness] = await Promise.all([
    read('drift/dd_unpert.json'),
    read('drift/dd_pert.json'),
    read('explanation/explanation.md'),
    read('robustness/robustness.md'),
  ]);
  const drift: DriftVerdict[] = [];
  for (const [name, text] of [
    ['unperturbed', unperturbed],
    ['perturbed', perturbed],
  ] as const) {
    if (text === undefined) continue;
    try {
      const record = driftSchema.parse(JSON.parse(text));
      drift.push({
        name,
        isDrift: record.is_drift,
        pValue: record.p_val,
        threshold: record.threshold,
        distance: record.distance ?? null,
        test: record.test ?? null,
        reference: record.reference ?? null,
      });
    } catch (error) {
      problems.push(`the ${name} drift report is malformed: ${describe(error)}`);
    }
  }
  const markdown = (part: ReportImagePart, text: string | undefined): MarkdownReport | null =>
    text === undefined ? null : { part, markdown: text };
  return {
    evaluation,
    drift,
    explanation: markdown('explanation', explanation),
    robustness: markdown('robustness', robustness),
    problems,
  };
}

/** A report image's bytes, only when they are a PNG (the page shows nothing else). */
export async function readReportImage(
  s3: S3Client,
  evaluationUri: string,
  part: ReportImagePart,
  file: string,
): Promise<Uint8Array | undefined> {
  const root = reportRoot(evaluationUri);
  if (!root) return undefined;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: root.bucket, Key: `${root.prefix}/${part}/${file}` }));
    const bytes = await object.Body?.transformToByteArray();
    return bytes && isPng(bytes) ? bytes : undefined;
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey' || (error as Error).name === 'NotFound') return undefined;
    throw error;
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
function isPng(bytes: Uint8Array): boolean {
  return PNG_SIGNATURE.every((byte, i) => bytes[i] === byte);
}

function describe(error: unknown): string {
  if (error instanceof z.ZodError) return z.prettifyError(error).replaceAll('\n', '; ');
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
