import { syncFromLabelStudio, type SyncReport } from '@sagemaker-mlops/labeling-bridge';
import type { DemoContext } from '../context.js';
import { MissingPrerequisiteError } from '../errors.js';
import { demoBridge, type LabelOptions, labelStudioFor, projectTitle } from '../label-command.js';
import { demoCommand, type RunSelection } from '../next-command.js';
import { findProject } from './project-setup.js';
import { resumePendingRetrains } from './retrain-guard.js';

/**
 * `label sync`: the backfill with the demo's own settings (lake, pipeline, threshold). Every annotation in Label
 * Studio reaches the lake, annotations gone from Label Studio (deleted, or with their task) leave it, retrains that
 * are due start (once per crossing), and crossings whose retrain a stopped `label` interrupted run again.
 */
export async function syncLabels(
  ctx: DemoContext,
  options: LabelOptions,
  selection: RunSelection,
): Promise<SyncReport & { restarted: string[] }> {
  const studio = await labelStudioFor(ctx, options);
  try {
    const title = projectTitle(ctx);
    const projectId = await findProject(studio.ls, title);
    if (projectId === undefined) {
      throw new MissingPrerequisiteError(
        'label sync',
        `the Label Studio project "${title}"`,
        `Run \`${demoCommand(selection, 'label')}\` first: it creates the project.`,
      );
    }
    const report = await syncFromLabelStudio(demoBridge(ctx, studio.ls, options.threshold), studio.ls, projectId);
    const restarted = await resumePendingRetrains(ctx);
    return { ...report, restarted };
  } finally {
    await studio.close();
  }
}
