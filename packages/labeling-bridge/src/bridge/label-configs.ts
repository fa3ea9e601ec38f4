import { InvalidPayloadError } from '../errors.js';
import { BoundedCache } from '../bounded-cache.js';
import { parseLabelConfig, type ImageClassificationConfig } from '../label-config.js';
import type { LabelStudioConnection } from '../label-studio/connection.js';
import type { Project } from './schemas.js';

/** A parsed config's size for the cache bound: its labels and names, as UTF-16. */
function configBytes(_key: string, config: ImageClassificationConfig): number {
  return (
    2 * (config.fromName.length + config.toName.length + config.dataKey.length + config.labels.join('').length) +
    64 * config.labels.length
  );
}

/**
 * The label config of each project: the pinned one, else the one the event carries, else the last one seen for the
 * project, else Label Studio's.
 */
export class ProjectLabelConfigs {
  /** Label configs by project, for events without one; bounded (project ids come from the events). */
  readonly #configs = new BoundedCache<ImageClassificationConfig>(256, 16 * 2 ** 20, configBytes);

  constructor(private readonly source: { labelConfig?: string; labelStudio?: LabelStudioConnection }) {}

  async get(projectId: number, project: Project | undefined): Promise<ImageClassificationConfig> {
    if (this.source.labelConfig) return this.#parsed(projectId, this.source.labelConfig);
    if (project?.label_config) return this.#parsed(projectId, project.label_config);
    const cached = this.#configs.get(String(projectId));
    if (cached) return cached;
    if (!this.source.labelStudio) {
      throw new InvalidPayloadError(
        'the event carries no project.label_config: enable send_payload on the webhook, or configure labelStudio/labelConfig',
        '$.project.label_config',
      );
    }
    const fetched = await this.source.labelStudio.api<{ label_config: string }>('GET', `/api/projects/${projectId}/`);
    return this.#parsed(projectId, fetched.label_config);
  }

  #parsed(projectId: number, xml: string): ImageClassificationConfig {
    const config = parseLabelConfig(xml);
    this.#configs.set(String(projectId), config);
    return config;
  }
}
