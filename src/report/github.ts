// `--format github`: GitHub Actions workflow commands. One `::error` annotation per failing class
// (`::warning` without --fail-on-growth), naming what it holds, what holds it and, when the snapshot
// carries allocation stacks, where its new objects were allocated; a `::notice` when nothing failed.
// The Markdown report goes to the step summary (the caller appends it to $GITHUB_STEP_SUMMARY, as
// GitHub expects of every step).
//
// Escaping follows GitHub's workflow-command rules: in the message `%`, CR and LF become %25, %0D,
// %0A; in property values `:` and `,` too. Heap text is sanitised for the terminal first, so a class
// name cannot start a command of its own or carry escape sequences into the log.

import { describeLeaks, formatChain, isGateFailed, renderVerdictLine, type GrowthReport } from './growth-report.ts';
import { describeMainAllocationSite, mainAllocationLocation, relativeToBase } from './allocation-sites.ts';
import { displayPath } from '../analysis/source-locations.ts';
import { sanitizeForTerminal } from './sanitize.ts';

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::error file=…,line=…,title=…::message` with every part escaped. */
function command(kind: 'error' | 'warning' | 'notice', properties: Record<string, string | number | undefined>, message: string): string {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${kind}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

export function renderGithubAnnotations(report: GrowthReport): string {
  const lines: string[] = [];
  const kind = isGateFailed(report) ? 'error' : 'warning';
  const violations = report.gate.violations;
  for (const v of violations) {
    if (v.explainedBy !== null) continue;
    const { text } = describeLeaks([v, ...violations.filter((x) => x.explainedBy?.key === v.key)], 1);
    const growth = report.result.classes.find((c) => c.key === v.key);
    const groups = report.retainers.get(v.key) ?? [];
    const held = groups.length > 0 ? ` Held by: ${formatChain(groups[0].steps)}${groups.length > 1 ? ` (and ${groups.length - 1} more chain shapes)` : ''}.` : '';
    const series = growth ? ` (${growth.counts.join(' → ')}, grew at every step)` : '';
    const sites = report.allocationSites?.find((c) => c.key === v.key);
    const site = sites === undefined ? undefined : describeMainAllocationSite(sites, report.baseDir);
    const allocated = site === undefined ? '' : ` Allocated in: ${site}.`;
    // The code that holds the objects, else the code that made them: where the annotation shows.
    const location = groups.find((g) => g.location !== undefined)?.location ?? (sites === undefined ? undefined : mainAllocationLocation(sites));
    lines.push(command(kind, {
      // A path is heap text too (a script's name): sanitised like the rest, then escaped as a property.
      // Relative to the working directory (the checkout, in a workflow): GitHub attaches an
      // annotation to a file only by its path in the repository.
      file: location === undefined ? undefined : sanitizeForTerminal(relativeToBase(displayPath(location.file), report.baseDir), 1000),
      line: location?.line,
      col: location?.column,
      title: sanitizeForTerminal(`leakscope: ${v.name} grew by ${v.delta}`, 200),
    }, sanitizeForTerminal(`${text}${series}.${held}${allocated}`, 2000)));
  }
  if (violations.length === 0) lines.push(command('notice', { title: 'leakscope growth' }, renderVerdictLine(report)));
  lines.push(renderVerdictLine(report));
  return lines.join('\n');
}
