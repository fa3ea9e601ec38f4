import { describe, expect, it } from 'vitest';
import { demoCommand } from '../src/next-command.js';

describe('demoCommand: the printed next command repeats the options of the run that printed it', () => {
  it('keeps --tiny, so `label` finds the tiny run state instead of none', () => {
    expect(demoCommand({ target: 'local', tiny: true }, 'label')).toBe('npm run demo -- label --tiny');
  });

  it('keeps the target, the config file and the state folder (quoted when needed)', () => {
    expect(demoCommand({ target: 'aws', config: 'aws.json' }, 'status')).toBe(
      'npm run demo -- status --target aws --config aws.json',
    );
    expect(demoCommand({ target: 'local', stateDir: "/tmp/my state's" }, 'web')).toBe(
      `npm run demo -- web --state-dir '/tmp/my state'\\''s'`,
    );
  });

  it('prints the plain command for the default configuration', () => {
    expect(demoCommand({ target: 'local' }, 'label')).toBe('npm run demo -- label');
  });
});
