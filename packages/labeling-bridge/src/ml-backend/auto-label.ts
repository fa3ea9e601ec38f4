import { BridgeConfigError } from '../errors.js';
import type { LabelStudioConnection } from '../label-studio/connection.js';
import type { MlBackend } from './server.js';

export interface AutoLabelOptions {
  labelStudio: LabelStudioConnection;
  backend: MlBackend;
  projectId: number;
  /** Predictions with a score at or above this become annotations (default 0.95). */
  threshold?: number;
  /** Tasks per /predict batch (default 32). */
  batchSize?: number;
}

export interface AutoLabelReport {
  /** Tasks annotated from a confident prediction. */
  autoLabelled: Array<{ taskId: number; label: string; score: number; annotationId: number }>;
  /** Tasks left for people, most uncertain first. */
  toReview: Array<{ taskId: number; label: string | null; score: number | null; uncertainty: number }>;
  failed: Array<{ taskId: number; error: string }>;
}

interface TaskPage {
  tasks: Array<{ id: number; data: Record<string, unknown>; total_annotations?: number; is_labeled?: boolean }>;
  total?: number;
}

/**
 * Pre-labels a project's unlabelled tasks: stores every prediction (with its score) in Label Studio, turns
 * predictions at or above the threshold into annotations marked as model-made (`parent_prediction` set, results with
 * `origin: "prediction"`), and returns the remaining tasks ordered by uncertainty, so people label the hardest first.
 */
export async function autoLabelProject(options: AutoLabelOptions): Promise<AutoLabelReport> {
  const { labelStudio: ls, backend, projectId } = options;
  const threshold = options.threshold ?? 0.95;
  if (!(threshold > 0 && threshold <= 1)) throw new BridgeConfigError(`threshold must be in (0, 1], got ${threshold}`);
  const project = await ls.api<{ label_config: string }>('GET', `/api/projects/${projectId}/`);
  const tasks: TaskPage['tasks'] = [];
  for (let page = 1; ; page++) {
    let answer: TaskPage;
    try {
      answer = await ls.api<TaskPage>('GET', `/api/tasks/?project=${projectId}&page=${page}&page_size=100`);
    } catch (error) {
      if ((error as { upstreamStatus?: number }).upstreamStatus === 404) break; // past the last page
      throw error;
    }
    tasks.push(...answer.tasks);
    if (answer.tasks.length < 100) break;
  }
  const unlabelled = tasks.filter((t) => !t.is_labeled && !t.total_annotations);
  const report: AutoLabelReport = { autoLabelled: [], toReview: [], failed: [] };
  const modelVersion = await backend.modelVersion();
  const size = options.batchSize ?? 32;
  for (let i = 0; i < unlabelled.length; i += size) {
    const batch = unlabelled.slice(i, i + size);
    const predictions = await backend.predictTasks(batch, project.label_config);
    for (const [j, prediction] of predictions.entries()) {
      const task = batch[j] as (typeof batch)[number];
      if (prediction.error || prediction.result.length === 0) {
        report.failed.push({ taskId: task.id, error: prediction.error ?? 'no result' });
        continue;
      }
      const label = prediction.result[0]?.value.choices[0] ?? null;
      const stored = await ls.api<{ id: number }>('POST', '/api/predictions/', {
        task: task.id,
        result: prediction.result,
        score: prediction.score,
        model_version: prediction.model_version ?? modelVersion,
      });
      if (prediction.score !== undefined && prediction.score >= threshold && label !== null) {
        const annotation = await ls.api<{ id: number }>('POST', `/api/tasks/${task.id}/annotations/`, {
          result: prediction.result.map((r) => ({ ...r, origin: 'prediction' })),
          parent_prediction: stored.id,
          was_cancelled: false,
          lead_time: 0,
        });
        report.autoLabelled.push({ taskId: task.id, label, score: prediction.score, annotationId: annotation.id });
      } else {
        report.toReview.push({
          taskId: task.id,
          label,
          score: prediction.score ?? null,
          uncertainty: prediction.uncertainty ?? 1,
        });
      }
    }
  }
  report.toReview.sort((a, b) => b.uncertainty - a.uncertainty);
  return report;
}
