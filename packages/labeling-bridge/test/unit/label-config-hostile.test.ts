/**
 * Finding 1 of issue 15: the label config is parsed by a real XML parser in linear time, with a size cap, so a
 * hostile config costs milliseconds and the event loop stays free.
 */
import { describe, expect, it } from 'vitest';
import { LabelConfigError, RequestBodyTooLargeError, parseLabelConfig } from '../../src/index.js';
import { assertFolderSafeLabel, MAX_LABEL_CONFIG_CHARS, unsafeFolderNameReason } from '../../src/label-config.js';

const head = '<View><Image name="image" value="$image"/>';

function timed<T>(fn: () => T): { ms: number; outcome: T | unknown } {
  const started = performance.now();
  let outcome: unknown;
  try {
    outcome = fn();
  } catch (error) {
    outcome = error;
  }
  return { ms: performance.now() - started, outcome };
}

describe('hostile label configs', () => {
  it('refuses "<Choices " x 16,000 (the quadratic case) in milliseconds', () => {
    const { ms, outcome } = timed(() => parseLabelConfig(head + '<Choices '.repeat(16_000)));
    expect(outcome).toBeInstanceOf(LabelConfigError);
    expect(ms).toBeLessThan(100);
  });

  it('parses a config just under the cap, full of unclosed tags and attributes, in linear time', () => {
    const unit = '<Choices name="c" toName="image" a="x">';
    const body = head + unit.repeat(Math.floor((MAX_LABEL_CONFIG_CHARS - head.length - 64) / unit.length));
    const { ms, outcome } = timed(() => parseLabelConfig(body));
    expect(outcome).toBeInstanceOf(LabelConfigError);
    expect((outcome as Error).message).toMatch(/not well-formed XML/);
    expect(ms).toBeLessThan(500);
  });

  it('refuses a 5 MiB config before parsing it, as 413', () => {
    const { ms, outcome } = timed(() => parseLabelConfig(head + '<Choices '.repeat((5 * 2 ** 20) / 9)));
    expect(outcome).toBeInstanceOf(RequestBodyTooLargeError);
    expect((outcome as RequestBodyTooLargeError).httpStatus).toBe(413);
    expect(ms).toBeLessThan(50);
  });

  it('decodes entities and CDATA as XML does, and refuses a DOCTYPE (no entity expansion)', () => {
    const config = parseLabelConfig(
      `${head}<Choices name="c" toName="image"><![CDATA[<Choice value="ghost"/>]]><Choice value="A&#x26;B"/><Choice value="&lt;x&gt;"/></Choices></View>`,
    );
    expect(config.labels).toEqual(['A&B', '<x>']);
    const bomb = `<?xml version="1.0"?><!DOCTYPE v [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>${head}<Choices name="c" toName="image"><Choice value="&b;"/></Choices></View>`;
    expect(() => parseLabelConfig(bomb)).toThrow(/DOCTYPE is not allowed/);
    expect(() =>
      parseLabelConfig(`${head}<Choices name="c" toName="image"><Choice value="&x;"/></Choices></View>`),
    ).toThrow(LabelConfigError);
  });

  it('takes only Choice tags inside the chosen Choices, at any depth', () => {
    const config = parseLabelConfig(
      `<View>${head.slice(6)}<Choices name="other" toName="nothing"><Choice value="no"/></Choices><Choices name="c" toName="image"><View><Choice value="yes"/></View></Choices><Choice value="stray"/></View>`,
    );
    expect(config).toMatchObject({ fromName: 'c', labels: ['yes'] });
  });
});

describe('the folder-name rule for labels', () => {
  it.each([
    ['%2e%2e', /"%"/],
    ['..', /starts with "."/],
    ['.hidden', /starts with "."/],
    ['a/b', /"\/"/],
    ['a\\b', /"\\"/],
    ['bi\u202edi', /format/],
    ['line\u2028sep', /line-separator/],
    ['zero\u200bwidth', /format/],
    [' padded', /white space/],
    ['é'.repeat(65), /longer than 128 UTF-8 bytes/],
    ['', /empty/],
  ])('refuses %j', (label, reason) => {
    expect(unsafeFolderNameReason(label)).toMatch(reason);
  });

  it('accepts ordinary labels, unicode ones and names that are only dangerous as object keys', () => {
    for (const label of ['T-shirt', 'Ankle boot', 'Äpfel', '猫', '__proto__', 'constructor', 'é'.repeat(64)]) {
      expect(unsafeFolderNameReason(label)).toBeUndefined();
    }
    const config = parseLabelConfig(
      `${head}<Choices name="c" toName="image"><Choice value="__proto__"/></Choices></View>`,
    );
    expect(assertFolderSafeLabel(config, '__proto__')).toBe('__proto__');
    expect(() => assertFolderSafeLabel(config, { toString: () => '__proto__' })).toThrow(/is not a string/);
  });
});

describe('large but valid configs', () => {
  it('reads 10,000 distinct choices in linear time', () => {
    const choices = Array.from({ length: 10_000 }, (_, i) => `<Choice value="c${i}"/>`).join('');
    const { ms, outcome } = timed(() =>
      parseLabelConfig(`${head}<Choices name="c" toName="image">${choices}</Choices></View>`),
    );
    expect((outcome as { labels: string[] }).labels).toHaveLength(10_000);
    expect(ms).toBeLessThan(1000);
  });
});
