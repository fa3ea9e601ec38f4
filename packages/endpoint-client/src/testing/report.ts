import type { EndpointTestReport } from './runner.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The report for people: summary, per-class accuracy, confusion matrix, misses and errors. */
export function formatReport(report: EndpointTestReport): string {
  const lines: string[] = [];
  lines.push(
    `${report.passed ? 'PASS' : 'FAIL'} ${report.endpointName}: ${report.correct}/${report.total} correct (${pct(
      report.accuracy,
    )}, required ${pct(report.minAccuracy)}) ` +
      `in ${(report.durationMs / 1000).toFixed(2)} s, ${report.imagesPerSecond.toFixed(1)} images/s`,
  );
  lines.push('', 'Per class:');
  const width = Math.max(5, ...report.perClass.map((c) => c.label.length));
  for (const c of report.perClass)
    lines.push(
      `  ${c.label.padEnd(width)}  ${String(c.correct).padStart(5)}/${String(c.total).padEnd(5)} ${pct(c.accuracy).padStart(6)}`,
    );
  const { labels, matrix } = report.confusion;
  if (labels.length > 0) {
    const cell = Math.max(4, ...labels.map((l) => l.length), ...matrix.flat().map((n) => String(n).length));
    lines.push('', 'Confusion matrix (rows: expected, columns: predicted):');
    lines.push(`  ${''.padEnd(width)}  ${labels.map((l) => l.padStart(cell)).join(' ')}`);
    labels.forEach((label, i) => {
      lines.push(`  ${label.padEnd(width)}  ${(matrix[i] ?? []).map((n) => String(n).padStart(cell)).join(' ')}`);
    });
  }
  if (report.misses.length > 0) {
    lines.push('', `Misses (${report.misses.length}):`);
    for (const m of report.misses) {
      lines.push(
        `  ${m.name}: expected ${m.expected}, predicted ${m.predicted}${
          m.probability !== undefined ? ` (p=${m.probability.toFixed(3)})` : ''
        }`,
      );
    }
  }
  if (report.errors.length > 0) {
    lines.push('', `Errors (${report.errors.length}):`);
    for (const e of report.errors) lines.push(`  ${e.name} [${e.kind}]: ${e.message}`);
  }
  return lines.join('\n');
}

/** JUnit XML: one testcase per image (classname = expected label), a failure per miss, an error per unreadable/failed image. */
export function toJUnitXml(report: EndpointTestReport): string {
  const failures = report.misses.length;
  const errors = report.errors.length;
  const cases = report.outcomes.map((o) => {
    const open = `    <testcase classname="${xml(o.expected)}" name="${xml(o.name)}" time="${(o.latencyMs / 1000).toFixed(3)}"`;
    if (o.error)
      return `${open}>\n      <error type="${xml(o.error.kind)}" message="${xml(o.error.message)}"/>\n    </testcase>`;
    if (!o.correct) {
      const message = `expected ${o.expected}, predicted ${o.predicted ?? '?'}${
        o.probability !== undefined ? ` (p=${o.probability.toFixed(3)})` : ''
      }`;
      return `${open}>\n      <failure type="misprediction" message="${xml(message)}"/>\n    </testcase>`;
    }
    return `${open}/>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sm-endpoint-test" tests="${report.total}" failures="${failures}" errors="${errors}" time="${(
      report.durationMs / 1000
    ).toFixed(3)}">`,
    `  <testsuite name="${xml(`endpoint ${report.endpointName}`)}" tests="${
      report.total
    }" failures="${failures}" errors="${errors}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these control characters, so they are stripped
const XML_FORBIDDEN_CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

function xml(text: string): string {
  return text
    .replace(XML_FORBIDDEN_CONTROL_CHARACTERS, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
