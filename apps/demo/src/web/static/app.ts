/* The page's script: runs in the browser, talks only to this server's /api routes. */
import type { ConfigResponse, ErrorResponse, Heatmap, PredictionResponse } from '../contract.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let config: ConfigResponse = { maxImageBytes: 4 * 1024 * 1024, acceptedTypes: ['image/png', 'image/jpeg'], stages: [] };

async function loadConfig(): Promise<void> {
  try {
    const response = await fetch('/api/config');
    if (!response.ok) throw new Error(await errorMessage(response));
    config = (await response.json()) as ConfigResponse;
    $('limits').textContent = `PNG or JPEG, up to ${formatBytes(config.maxImageBytes)} each`;
    const list = $('stage-status');
    list.replaceChildren(
      ...config.stages.map((s) => {
        const item = document.createElement('li');
        item.className = s.status === 'InService' ? 'up' : 'down';
        item.textContent = `${s.stage}: ${s.status === 'InService' ? 'in service' : s.status === 'NotDeployed' ? 'not deployed' : s.status}`;
        item.title = s.endpointName;
        item.dataset['stage'] = s.stage;
        return item;
      }),
    );
    hideBanner();
  } catch (error) {
    showBanner(`Cannot reach the server: ${(error as Error).message}`);
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function showBanner(text: string): void {
  const banner = $('banner');
  banner.textContent = text;
  banner.hidden = false;
}
function hideBanner(): void {
  $('banner').hidden = true;
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as ErrorResponse;
    return body.error.message;
  } catch {
    return `HTTP ${response.status} ${response.statusText}`;
  }
}

function newCard(file: File): HTMLElement {
  const card = document.createElement('article');
  card.className = 'card';
  card.dataset['file'] = file.name;
  const title = document.createElement('h2');
  title.textContent = file.name;
  const pending = document.createElement('p');
  pending.className = 'pending';
  pending.textContent = 'Predicting…';
  card.append(title, pending);
  $('results').prepend(card);
  return card;
}

function showError(card: HTMLElement, message: string): void {
  card.classList.add('error');
  card.querySelector('.pending')?.remove();
  const text = document.createElement('p');
  text.className = 'message';
  text.setAttribute('role', 'alert');
  text.textContent = message;
  card.append(text);
}

/** Checks in the browser what the server checks again, so the user hears at once. */
function rejectionReason(file: File): string | undefined {
  if (!config.acceptedTypes.includes(file.type)) {
    const what = file.type ? `a ${file.type} file` : 'not an image';
    return `${file.name} is ${what}. Upload a PNG or JPEG image.`;
  }
  if (file.size === 0) return `${file.name} is empty.`;
  if (file.size > config.maxImageBytes) {
    return `${file.name} is ${formatBytes(file.size)}; the endpoint accepts at most ${formatBytes(config.maxImageBytes)}. Resize or compress it.`;
  }
  return undefined;
}

async function classify(file: File): Promise<void> {
  const card = newCard(file);
  const reason = rejectionReason(file);
  if (reason) return showError(card, reason);
  const stage = ($('stage') as HTMLSelectElement).value;
  const explain = ($('explain') as HTMLInputElement).checked;
  const query = new URLSearchParams({ stage, explain: explain ? '1' : '0', name: file.name });
  let response: Response;
  try {
    response = await fetch(`/api/predict?${query}`, {
      method: 'POST',
      headers: { 'content-type': file.type },
      body: file,
    });
  } catch (error) {
    return showError(card, `The server did not answer: ${(error as Error).message}`);
  }
  if (!response.ok) {
    showError(card, await errorMessage(response));
    if (response.status === 503) void loadConfig();
    return;
  }
  renderPrediction(card, file, (await response.json()) as PredictionResponse);
}

function renderPrediction(card: HTMLElement, file: File, result: PredictionResponse): void {
  card.querySelector('.pending')?.remove();
  card.dataset['label'] = result.label;
  const preview = document.createElement('div');
  preview.className = 'preview';
  const img = document.createElement('img');
  img.alt = file.name;
  img.src = URL.createObjectURL(file);
  preview.append(img);
  if (result.heatmap) preview.append(heatmapCanvas(result.heatmap));

  const label = document.createElement('p');
  label.className = 'label';
  label.textContent = result.label;
  const top = result.probabilities[0]?.probability ?? 0;
  const confidence = document.createElement('p');
  confidence.className = 'confidence';
  confidence.textContent = `${(top * 100).toFixed(1)}% confident`;

  const bars = document.createElement('ol');
  bars.className = 'bars';
  bars.setAttribute('aria-label', 'Class probabilities');
  for (const [index, { label: name, probability }] of result.probabilities.entries()) {
    const row = document.createElement('li');
    if (index === 0) row.className = 'top';
    const nameCell = document.createElement('span');
    nameCell.textContent = name;
    const track = document.createElement('span');
    track.className = 'track';
    const fill = document.createElement('span');
    fill.className = 'fill';
    fill.style.display = 'block';
    fill.style.width = `${Math.max(0, Math.min(1, probability)) * 100}%`;
    track.append(fill);
    const value = document.createElement('span');
    value.className = 'value';
    value.textContent = `${(probability * 100).toFixed(1)}%`;
    row.append(nameCell, track, value);
    bars.append(row);
  }

  const meta = document.createElement('p');
  meta.className = 'meta';
  meta.textContent = `model version ${result.modelVersion ?? 'unknown'} · answered by ${result.stage} (${result.endpointName}) · ${result.latencyMs} ms`;
  const parts: HTMLElement[] = [preview, label, confidence, bars, meta];
  if (result.heatmapUnavailable) {
    const note = document.createElement('p');
    note.className = 'meta';
    note.textContent = result.heatmapUnavailable;
    parts.push(note);
  }
  card.append(...parts);
}

/** Colours the grayscale Grad-CAM PNG (blue = ignored, red = decisive); CSS stretches it over the image. */
function heatmapCanvas(heatmap: Heatmap): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.className = 'heatmap';
  canvas.title = `${heatmap.method} heatmap`;
  const source = new Image();
  source.onload = () => {
    canvas.width = source.naturalWidth;
    canvas.height = source.naturalHeight;
    const context = canvas.getContext('2d');
    if (!context) return;
    context.drawImage(source, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    for (let offset = 0; offset < pixels.data.length; offset += 4) {
      const v = (pixels.data[offset] ?? 0) / 255;
      pixels.data[offset] = Math.round(255 * v);
      pixels.data[offset + 1] = Math.round(255 * (1 - Math.abs(v - 0.5) * 2));
      pixels.data[offset + 2] = Math.round(255 * (1 - v));
      pixels.data[offset + 3] = 255;
    }
    context.putImageData(pixels, 0, 0);
    canvas.dataset['ready'] = 'true';
  };
  source.src = `data:image/png;base64,${heatmap.pngBase64}`;
  return canvas;
}

function handleFiles(files: FileList | File[] | null): void {
  for (const file of Array.from(files ?? [])) void classify(file);
}

function wireUp(): void {
  const input = $('files') as HTMLInputElement;
  input.addEventListener('change', () => {
    handleFiles(input.files);
    input.value = '';
  });
  const zone = $('dropzone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    handleFiles(event.dataTransfer?.files ?? null);
  });
  zone.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') input.click();
  });
  void loadConfig();
}

wireUp();
