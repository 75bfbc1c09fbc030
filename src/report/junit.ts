// `--format junit`: the gate as a JUnit XML report, one test case per gated class, for the CI systems
// that show JUnit natively (GitLab, Jenkins, Azure DevOps). A failing class is a failed test case
// with its growth, what holds its new objects and, with allocation stacks, where they were made.
// Written with junit-report-builder (a maintained writer of the format), after removing the
// characters XML 1.0 cannot carry: heap text is untrusted.

import junitModule, { type Builder } from 'junit-report-builder';
import { describeViolation, formatChain, formatSeries, type GrowthReport } from './growth-report.ts';
import { sanitizeForTerminal } from './sanitize.ts';
import { newObjectsBySiteRows } from './allocation-sites.ts';
import { formatCount } from './format.ts';

// A CommonJS module whose module.exports is the builder, typed as if it had a default export: take
// whichever the loader produced. A fresh builder per report keeps reports independent.
const junit = ((junitModule as unknown as { default?: Builder }).default ?? junitModule) as unknown as Builder;

/** Characters XML 1.0 allows: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and the astral planes (paired surrogates). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\uD800-\uDBFF\uDC00-\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function xmlSafe(text: string, maxLength = 2000): string {
  return sanitizeForTerminal(text, maxLength).replace(NOT_XML, '\uFFFD');
}

export function renderGrowthJunit(report: GrowthReport): string {
  const builder = junit.newBuilder();
  const suite = builder.testSuite().name('leakscope growth');
  const violations = new Map(report.gate.violations.map((v) => [v.key, v]));
  report.result.classes.forEach((c, i) => {
    if ((report.gate.verdicts[i] ?? 'watched') !== 'watched') return;
    const testCase = suite.testCase().className('leakscope.growth').name(xmlSafe(c.name, 300));
    const violation = violations.get(c.key);
    if (violation === undefined) return;
    const groups = report.retainers.get(c.key) ?? [];
    const sites = report.allocationSites?.filter((s) => s.key === c.key) ?? [];
    // One line each, sanitised one by one: the line breaks between them are ours.
    const details = [
      `counts ${formatSeries(c.counts)}`,
      violation.explainedBy ? `held by the new ${violation.explainedBy.name} objects, part of that leak` : '',
      ...groups.map((g) => `${g.count}× ${formatChain(g.steps)}${g.location ? ` (${g.location.file}:${g.location.line}:${g.location.column})` : ''}`),
      ...newObjectsBySiteRows(sites, { baseDir: report.baseDir }).map((row) => (row.selfSize !== null
        ? `allocated ${formatCount(row.count ?? 0)}× in ${row.where}`
        : `${row.count === null ? '' : `${formatCount(row.count)} `}${row.where}`)),
    ].filter(Boolean).map((line) => xmlSafe(line, 1000)).join('\n');
    testCase.failure(xmlSafe(`${c.name}: ${describeViolation(violation, report.minDelta)}`, 500), 'growth').stacktrace(details);
  });
  for (const v of report.gate.violations) {
    // The byte threshold is not a class; it gets a test case of its own.
    if (v.rule === 'threshold-bytes') suite.testCase().className('leakscope.growth').name(v.name).failure(xmlSafe(describeViolation(v, report.minDelta)), 'growth');
  }
  return builder.build();
}
