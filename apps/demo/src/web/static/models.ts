/*
 * The models page: review a registered version's reports, approve or reject it with a comment, deploy it.
 * Everything from the server is put on the page as text (textContent, DOM nodes): never as HTML.
 */
import type { ErrorResponse, Stage } from '../contract.js';
import {
  type ApprovalDecision,
  type ApprovalRequest,
  type DeployRequest,
  type EvaluationView,
  type MarkdownReport,
  type ModelsResponse,
  type ModelVersionView,
  REPORT_IMAGE_NAME,
  type StageDeployment,
} from '../models/contract.js';
import { renderMarkdown } from './markdown.js';

const $ = (id: string) => document.getElementById(id) as HTMLElement;
let state: ModelsResponse | undefined;
let selected: number | undefined;
let pollTimer: ReturnType<typeof setTimeout> | undefined;
/** Comments being typed, per version: a re-render (polling, another action) must not lose them. */
const drafts = new Map<number, string>();

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; id?: string } = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.id) node.id = props.id;
  if (props.text !== undefined) node.textContent = props.text;
  node.append(...children);
  return node;
}

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  if (!response.ok) {
    let message = `HTTP ${response.status} ${response.statusText}`;
    try {
      message = ((await response.json()) as ErrorResponse).error.message;
    } catch {
      // Not our JSON error: keep the status line.
    }
    throw new Error(message);
  }
  return (await response.json()) as T;
}

function showBanner(text: string, kind: 'error' | 'info' = 'error'): void {
  const banner = $('banner');
  banner.textContent = text;
  banner.className = kind === 'error' ? 'banner' : 'banner info';
  banner.hidden = false;
}

async function load(): Promise<void> {
  const before = state;
  try {
    state = await api<ModelsResponse>('/api/models');
    // A deployment this page watched has ended: say how.
    for (const stage of state.stages) {
      const was = before?.stages.find((s) => s.stage === stage.stage)?.operation;
      if (was?.state === 'deploying' && stage.operation && stage.operation.state !== 'deploying') {
        showBanner(stage.operation.message, stage.operation.state === 'failed' ? 'error' : 'info');
      }
    }
  } catch (error) {
    showBanner(`Cannot read the model registry: ${(error as Error).message}`);
    return;
  }
  const fromHash = Number(/^#v(\d+)$/.exec(location.hash)?.[1]);
  if (Number.isInteger(fromHash) && state.versions.some((v) => v.version === fromHash)) selected = fromHash;
  if (selected === undefined || !state.versions.some((v) => v.version === selected)) {
    selected = state.versions[0]?.version;
  }
  render();
  clearTimeout(pollTimer);
  if (state.stages.some((s) => s.operation?.state === 'deploying' || isBusy(s.status))) {
    pollTimer = setTimeout(() => void load(), 1000);
  }
}

function isBusy(status: string): boolean {
  return ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'].includes(status);
}

function render(): void {
  if (!state) return;
  $('stages').replaceChildren(...state.stages.map(stageChip));
  $('versions').replaceChildren(
    ...state.versions.map((v) => {
      const button = el(
        'button',
        { className: `version${v.version === selected ? ' selected' : ''}` },
        el('span', { className: 'version-number', text: `Version ${v.version}` }),
        el('span', { className: `badge ${v.approvalStatus}`, text: statusText(v.approvalStatus) }),
        el('span', {
          className: 'version-meta',
          text: `${v.evaluation?.accuracy != null ? `accuracy ${v.evaluation.accuracy.toFixed(3)}` : 'no evaluation'}${v.servedBy.length ? ` · ${v.servedBy.join(', ')}` : ''}`,
        }),
      );
      button.type = 'button';
      button.dataset['version'] = String(v.version);
      button.addEventListener('click', () => {
        selected = v.version;
        history.replaceState(null, '', `#v${v.version}`);
        render();
      });
      return button;
    }),
  );
  const version = state.versions.find((v) => v.version === selected);
  $('detail').replaceChildren(
    ...(version
      ? renderVersion(version, state.stages)
      : [
          el('p', {
            className: 'pending',
            text: `No registered versions in "${state.groupName}" yet: run the pipeline.`,
          }),
        ]),
  );
}

function statusText(status: string): string {
  return status === 'PendingManualApproval' ? 'pending approval' : status.toLowerCase();
}

function stageChip(stage: StageDeployment): HTMLElement {
  const up = stage.status === 'InService';
  const serving = stage.servingVersion === null ? '' : ` · version ${stage.servingVersion}`;
  const text = `${stage.stage}: ${up ? 'in service' : stage.status === 'NotDeployed' ? 'not deployed' : stage.status}${serving}`;
  const item = el('li', { className: up ? 'up' : 'down', text });
  item.dataset['stage'] = stage.stage;
  item.title = stage.endpointName;
  return item;
}

function renderVersion(v: ModelVersionView, stages: StageDeployment[]): HTMLElement[] {
  const head = el(
    'div',
    { className: 'version-head' },
    el('h2', { text: `Version ${v.version}` }),
    el('span', { className: `badge ${v.approvalStatus}`, id: 'approval-status', text: statusText(v.approvalStatus) }),
    ...v.servedBy.map((stage) => el('span', { className: 'badge serving', text: `serving on ${stage}` })),
  );
  const facts = el('dl', { className: 'facts' });
  const fact = (term: string, value: string | null) => {
    if (value) facts.append(el('dt', { text: term }), el('dd', { text: value }));
  };
  fact('Registered', v.createdAt ? new Date(v.createdAt).toLocaleString() : null);
  fact('Description', v.description);
  fact('Approval comment', v.approvalDescription);
  fact('Model package', v.arn);
  const sections = [head, facts, reviewPanel(v, stages)];
  for (const problem of v.reportProblems) sections.push(el('p', { className: 'problem', text: problem }));
  if (v.evaluation) sections.push(evaluationSection(v.evaluation));
  if (v.drift.length) sections.push(driftSection(v));
  for (const report of [v.explanation, v.robustness]) if (report) sections.push(markdownSection(v.version, report));
  return sections;
}

function reviewPanel(v: ModelVersionView, stages: StageDeployment[]): HTMLElement {
  const comment = el('textarea', { id: 'approval-comment' });
  comment.rows = 2;
  comment.maxLength = 1024;
  comment.placeholder = 'Why: what you checked in the reports below (stored as the approval description)';
  comment.value = drafts.get(v.version) ?? '';
  comment.addEventListener('input', () => drafts.set(v.version, comment.value));
  const decide = (decision: ApprovalDecision, label: string, id: string) => {
    const button = el('button', {
      id,
      className: decision === 'Approved' ? 'button' : 'button secondary',
      text: label,
    });
    button.type = 'button';
    button.addEventListener('click', () => void submitDecision(v.version, decision, comment.value));
    return button;
  };
  const deployButtons = (['staging', 'prod'] as Stage[]).map((stage) => {
    const gate = v.deploy[stage];
    const operation = stages.find((s) => s.stage === stage)?.operation;
    const label = stage === 'staging' ? 'Deploy to staging' : 'Promote to prod';
    const button = el('button', { id: `deploy-${stage}`, className: 'button', text: label });
    button.type = 'button';
    button.disabled = !gate.allowed;
    button.addEventListener('click', () => void submitDeploy(v.version, stage));
    const note = el('span', { className: 'gate', id: `deploy-${stage}-note` });
    if (operation && operation.version === v.version) {
      note.textContent = operation.message;
      note.classList.add(operation.state);
    } else if (!gate.allowed && gate.reason) {
      note.textContent = gate.reason;
    }
    return el('div', { className: 'deploy-row' }, button, note);
  });
  return el(
    'section',
    { className: 'panel review' },
    el('h3', { text: 'Review' }),
    comment,
    el(
      'div',
      { className: 'actions' },
      decide('Approved', 'Approve', 'approve'),
      decide('Rejected', 'Reject', 'reject'),
    ),
    el('h3', { text: 'Deploy' }),
    ...deployButtons,
  );
}

async function submitDecision(version: number, decision: ApprovalDecision, comment: string): Promise<void> {
  const body: ApprovalRequest = { decision, comment };
  let outcome: [string, 'error' | 'info'];
  try {
    await api(`/api/models/${version}/approval`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    drafts.delete(version);
    outcome = [`Version ${version}: ${decision === 'Approved' ? 'approved' : 'rejected'}.`, 'info'];
  } catch (error) {
    outcome = [(error as Error).message, 'error'];
  }
  // The banner after the page shows the new state, so what it says and what the page shows agree.
  await load();
  showBanner(...outcome);
}

async function submitDeploy(version: number, stage: Stage): Promise<void> {
  const body: DeployRequest = { stage };
  let outcome: [string, 'error' | 'info'];
  try {
    await api(`/api/models/${version}/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    outcome = [`Deploying version ${version} to ${stage}…`, 'info'];
  } catch (error) {
    outcome = [(error as Error).message, 'error'];
  }
  await load();
  showBanner(...outcome);
}

function evaluationSection(evaluation: EvaluationView): HTMLElement {
  const section = el('section', { className: 'panel', id: 'evaluation' }, el('h3', { text: 'Evaluation' }));
  if (evaluation.accuracy !== null) {
    section.append(
      el(
        'p',
        { className: 'headline' },
        el('strong', { id: 'accuracy', text: evaluation.accuracy.toFixed(4) }),
        ` test accuracy${evaluation.testImages ? ` on ${evaluation.testImages} held-out images` : ''}`,
      ),
    );
  }
  const pct = (x: number) => x.toFixed(3);
  const metricRows = evaluation.metrics
    .filter((m) => !m.name.endsWith('_best_constant_classifier'))
    .map((m) => {
      const baseline = evaluation.metrics.find((b) => b.name === `${m.name}_best_constant_classifier`);
      return [
        m.name.replaceAll('_', ' '),
        pct(m.value),
        m.standardDeviation === null ? '' : `± ${pct(m.standardDeviation)}`,
        baseline ? pct(baseline.value) : '',
      ];
    });
  section.append(table(['metric', 'value', 'bootstrap sd', 'best constant classifier'], metricRows, 'metrics'));
  if (evaluation.perClass.length) {
    section.append(
      el('h4', { text: 'Per class' }),
      table(
        ['class', 'precision', 'recall', 'F1', 'test images'],
        evaluation.perClass.map((c) => [c.label, pct(c.precision), pct(c.recall), pct(c.f1), String(c.support)]),
        'per-class',
      ),
    );
  }
  if (evaluation.confusion)
    section.append(el('h4', { text: 'Confusion matrix' }), confusionTable(evaluation.confusion));
  return section;
}

function table(headers: string[], rows: string[][], id?: string): HTMLTableElement {
  const t = el('table');
  if (id) t.id = id;
  t.append(el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h })))));
  t.append(el('tbody', {}, ...rows.map((row) => el('tr', {}, ...row.map((cell) => el('td', { text: cell }))))));
  return t;
}

function confusionTable(confusion: { labels: string[]; rows: number[][] }): HTMLElement {
  const max = Math.max(1, ...confusion.rows.flat());
  const t = el('table', { className: 'confusion', id: 'confusion' });
  t.append(
    el(
      'thead',
      {},
      el('tr', {}, el('th', { text: 'actual \\ predicted' }), ...confusion.labels.map((l) => el('th', { text: l }))),
    ),
  );
  const body = el('tbody');
  confusion.rows.forEach((row, i) => {
    const cells = row.map((count, j) => {
      const cell = el('td', { text: String(count) });
      // CSSOM, not a style attribute: the page's CSP allows only its own stylesheet.
      const alpha = count / max;
      cell.style.backgroundColor =
        i === j ? `rgba(11, 107, 203, ${alpha.toFixed(3)})` : `rgba(180, 35, 24, ${alpha.toFixed(3)})`;
      if (alpha > 0.55) cell.classList.add('dark');
      return cell;
    });
    body.append(el('tr', {}, el('th', { text: confusion.labels[i] ?? '' }), ...cells));
  });
  t.append(body);
  return el('div', { className: 'scroll' }, t);
}

function driftSection(v: ModelVersionView): HTMLElement {
  return el(
    'section',
    { className: 'panel', id: 'drift' },
    el('h3', { text: 'Data drift' }),
    el(
      'div',
      { className: 'verdicts' },
      ...v.drift.map((d) => {
        const card = el(
          'div',
          { className: `verdict ${d.isDrift ? 'drift' : 'nodrift'}` },
          el('strong', { text: `${d.name}: ${d.isDrift ? 'drift detected' : 'no drift'}` }),
          el('span', {
            text: `p = ${d.pValue.toFixed(4)} (threshold ${d.threshold})${d.distance === null ? '' : `, MMD² ${d.distance.toFixed(5)}`}`,
          }),
          ...(d.test ? [el('span', { className: 'hint', text: d.test })] : []),
        );
        card.dataset['drift'] = d.name;
        return card;
      }),
    ),
  );
}

function markdownSection(version: number, report: MarkdownReport): HTMLElement {
  const imageUrl = (file: string) =>
    REPORT_IMAGE_NAME.test(file)
      ? `/api/models/${version}/reports/${report.part}/${encodeURIComponent(file)}`
      : undefined;
  const section = el('section', { className: 'panel markdown', id: report.part });
  section.append(...renderMarkdown(report.markdown, imageUrl));
  return section;
}

window.addEventListener('hashchange', () => void load());
void load();
