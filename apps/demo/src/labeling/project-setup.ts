import type { LabelStudioConnection } from '@sagemaker-mlops/labeling-bridge';
import { LabelStudioUnavailableError } from '../errors.js';

/** The events the bridge handles, with the names Label Studio 1.23 really emits (there is no ANNOTATION_DELETED). */
export const BRIDGE_WEBHOOK_ACTIONS = [
  'ANNOTATION_CREATED',
  'ANNOTATIONS_CREATED',
  'ANNOTATION_UPDATED',
  'ANNOTATIONS_DELETED',
  'TASKS_DELETED',
] as const;

export const WEBHOOK_SECRET_HEADER = 'x-labeling-bridge-secret';

/** The image-classification label config for the model's classes (the labels the ML backend may answer). */
export function labelConfigFor(classes: readonly string[]): string {
  const xmlEscape = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const choices = classes.map((c) => `    <Choice value="${xmlEscape(c)}"/>`).join('\n');
  return `<View>\n  <Image name="image" value="$image" zoom="true"/>\n  <Choices name="choice" toName="image" choice="single" showInLine="true">\n${choices}\n  </Choices>\n</View>`;
}

/**
 * Checks that Label Studio answers at `url` and accepts the token, before anything else starts: a wrong URL or
 * token would otherwise only show later as missing pre-labels and webhooks answered 422.
 */
export async function checkLabelStudio(ls: LabelStudioConnection): Promise<{ version: string }> {
  const where = ls.baseUrl.toString();
  let version: string;
  try {
    const answer = await fetch(new URL('api/version', ls.baseUrl), { signal: AbortSignal.timeout(10_000) });
    if (!answer.ok) throw new Error(`GET /api/version answered HTTP ${answer.status}`);
    version = String(((await answer.json()) as { release?: unknown }).release ?? 'unknown');
  } catch (error) {
    throw new LabelStudioUnavailableError(
      `Label Studio does not answer at ${where} (${(error as Error).message}): check --label-studio-url (e.g. http://127.0.0.1:8080) and that it runs.`,
      { cause: error },
    );
  }
  try {
    await ls.api('GET', '/api/current-user/whoami');
  } catch (error) {
    throw new LabelStudioUnavailableError(
      `Label Studio at ${where} refuses the token (${(error as Error).message.slice(0, 200)}): copy it from Label Studio → Account & Settings → Personal Access Token (or Legacy Token) into --label-studio-token or LABEL_STUDIO_TOKEN.`,
      { cause: error },
    );
  }
  return { version };
}

interface ProjectRow {
  id: number;
  title: string;
  label_config: string;
}

async function projectNamed(ls: LabelStudioConnection, title: string): Promise<ProjectRow | undefined> {
  const page = await ls.api<{ results: ProjectRow[] } | ProjectRow[]>(
    'GET',
    `/api/projects/?title=${encodeURIComponent(title)}&page_size=100`,
  );
  const rows = Array.isArray(page) ? page : page.results;
  return rows.find((p) => p.title === title);
}

/** The id of the project of that title, if there is one. */
export async function findProject(ls: LabelStudioConnection, title: string): Promise<number | undefined> {
  return (await projectNamed(ls, title))?.id;
}

/** Reuses the project of that title (updating its label config to the model's classes) or creates it. */
export async function ensureProject(ls: LabelStudioConnection, title: string, classes: readonly string[]) {
  const config = labelConfigFor(classes);
  const existing = await projectNamed(ls, title);
  if (existing) {
    if (existing.label_config !== config)
      await ls.api('PATCH', `/api/projects/${existing.id}/`, { label_config: config });
    return { id: existing.id, created: false };
  }
  const created = await ls.api<{ id: number }>('POST', '/api/projects/', {
    title,
    description: 'Fashion-MNIST images for the sagemaker-mlops demo: pick the class; the model pre-labels each task.',
    label_config: config,
    show_collab_predictions: true,
    evaluate_predictions_automatically: true,
  });
  return { id: created.id, created: true };
}

/** Connects the ML backend at `url` to the project (one backend; its URL updated when the port changed). */
export async function connectMlBackend(ls: LabelStudioConnection, projectId: number, url: string): Promise<number> {
  const rows = await ls.api<Array<{ id: number; url: string }>>('GET', `/api/ml/?project=${projectId}`);
  const same = rows.find((row) => row.url.replace(/\/+$/, '') === url.replace(/\/+$/, ''));
  if (same) return same.id;
  const [first] = rows;
  if (first) {
    // Label Studio 1.23 re-validates the backend on PATCH and needs the project in the body.
    await ls.api('PATCH', `/api/ml/${first.id}`, { url, project: projectId });
    return first.id;
  }
  const created = await ls.api<{ id: number }>('POST', '/api/ml/', {
    url,
    project: projectId,
    title: 'sagemaker-endpoint',
    is_interactive: false,
    auth_method: 'NONE',
  });
  return created.id;
}

/** Registers (or updates) the bridge's webhook with its secret header and the events it handles. */
export async function registerBridgeWebhook(
  ls: LabelStudioConnection,
  projectId: number,
  bridgeUrl: string,
  secret: string,
): Promise<number> {
  const url = `${bridgeUrl.replace(/\/+$/, '')}/webhook`;
  const settings = {
    url,
    send_payload: true,
    send_for_all_actions: false,
    actions: [...BRIDGE_WEBHOOK_ACTIONS],
    headers: { [WEBHOOK_SECRET_HEADER]: secret },
    is_active: true,
  };
  const rows = await ls.api<Array<{ id: number; url: string; headers?: Record<string, string> | null }>>(
    'GET',
    `/api/webhooks/?project=${projectId}`,
  );
  // The same URL, or the bridge's webhook from an earlier start on another port (it carries the secret header).
  const same = rows.find((row) => row.url === url || Object.keys(row.headers ?? {}).includes(WEBHOOK_SECRET_HEADER));
  if (same) {
    await ls.api('PATCH', `/api/webhooks/${same.id}/`, settings);
    return same.id;
  }
  const created = await ls.api<{ id: number }>('POST', '/api/webhooks/', { project: projectId, ...settings });
  return created.id;
}

/** File names of the images already imported into the project (uploads are stored as `<8 hex>-<name>`). */
async function importedNames(ls: LabelStudioConnection, projectId: number): Promise<Set<string>> {
  const names = new Set<string>();
  for (let page = 1; ; page++) {
    let answer: { tasks: Array<{ data: Record<string, unknown> }> };
    try {
      answer = await ls.api('GET', `/api/tasks/?project=${projectId}&page=${page}&page_size=100`);
    } catch (error) {
      if ((error as { httpStatus?: number }).httpStatus === 404) break; // past the last page
      throw error;
    }
    for (const task of answer.tasks) {
      const image = String(task.data['image'] ?? '');
      const base = image.split('/').pop() ?? '';
      names.add(base.replace(/^[0-9a-f]{8}-/, ''));
    }
    if (answer.tasks.length < 100) break;
  }
  return names;
}

/**
 * Uploads the images that are not in the project yet, as a person does with "Import": Label Studio keeps the files
 * and serves them as `/data/upload/…`, which it can read in every setup (it cannot read the local lake's s3:// URIs).
 */
export async function importImages(
  ls: LabelStudioConnection,
  projectId: number,
  images: ReadonlyArray<{ name: string; bytes: () => Promise<Uint8Array> }>,
  onProgress?: (done: number, total: number) => void,
): Promise<{ imported: number; already: number }> {
  const have = await importedNames(ls, projectId);
  const missing = images.filter((image) => !have.has(image.name));
  const batch = 50;
  for (let i = 0; i < missing.length; i += batch) {
    const form = new FormData();
    for (const image of missing.slice(i, i + batch)) {
      form.append(image.name, new Blob([Buffer.from(await image.bytes())], { type: 'image/png' }), image.name);
    }
    const answer = await fetch(new URL(`api/projects/${projectId}/import`, ls.baseUrl), {
      method: 'POST',
      headers: { authorization: await ls.authorization() },
      body: form,
      signal: AbortSignal.timeout(120_000),
    });
    if (!answer.ok) {
      throw new LabelStudioUnavailableError(
        `importing images into project ${projectId} failed: HTTP ${answer.status} ${(await answer.text()).slice(0, 300)}`,
      );
    }
    onProgress?.(Math.min(i + batch, missing.length), missing.length);
  }
  return { imported: missing.length, already: images.length - missing.length };
}
