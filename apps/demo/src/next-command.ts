/** The global options a follow-up command must repeat to work on the same run (target, configuration, state). */
export interface RunSelection {
  target: 'local' | 'aws';
  tiny?: boolean;
  config?: string;
  stateDir?: string;
}

/**
 * `npm run demo -- <command>` with the options of the run that printed it: after `all --tiny`, `label --tiny`;
 * after `--target aws --config x.json`, the same. Without them a follow-up would look at another configuration's
 * run state and find nothing (or the wrong endpoint).
 */
export function demoCommand(selection: RunSelection, command: string): string {
  const parts = ['npm run demo --', command];
  if (selection.target === 'aws') parts.push('--target aws');
  if (selection.config) parts.push(`--config ${quote(selection.config)}`);
  if (selection.tiny) parts.push('--tiny');
  if (selection.stateDir) parts.push(`--state-dir ${quote(selection.stateDir)}`);
  return parts.join(' ');
}

function quote(value: string): string {
  return /^[\w./:@=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
