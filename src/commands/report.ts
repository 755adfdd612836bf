// pkgs report: who can do what with an org's (or a user scope's) packages, in one picture, read
// concurrently; then the findings.
import { readOrg } from '../core/org-access.js'
import { accessReport, type Report, type ReportRow } from '../core/report.js'
import type { IO } from '../io/io.js'
import { fittedTable } from '../io/table.js'
import { defineCommand } from './command.js'
import { concurrencyOf, readConcurrency } from './packages.js'

const formats = ['table', 'csv', 'json', 'markdown'] as const

const cells = (r: ReportRow): string[] => [
  r.package,
  r.access,
  r.publishers.join(' '),
  r.installers === 'everyone' ? 'everyone' : r.installers.join(' '),
  r.trust === null ? '(not shown to you)' : r.trust.join('; ') || '-',
]
const header = ['PACKAGE', 'ACCESS', 'PUBLISH', 'INSTALL', 'TRUSTED PUBLISHERS']

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
const mdCell = (s: string) => s.replace(/\|/g, '\\|')

function renderReport(r: Report, format: (typeof formats)[number], io: IO): void {
  if (format === 'json') return io.printJson(r)
  if (format === 'csv') {
    io.print(['package', 'access', 'publish', 'install', 'trusted_publishers'].join(','))
    for (const row of r.packages) io.print(cells(row).map(csvField).join(','))
    for (const f of r.findings) io.info(`${f.package}: ${f.message}`)
    return
  }
  if (format === 'markdown') {
    io.print(`| ${header.map((h) => h.toLowerCase()).join(' | ')} |`)
    io.print(`|${header.map(() => ' --- ').join('|')}|`)
    for (const row of r.packages) io.print(`| ${cells(row).map(mdCell).join(' | ')} |`)
    if (r.findings.length) io.print(`\n**Findings**\n\n${r.findings.map((f) => `- \`${f.package}\`: ${mdCell(f.message)}`).join('\n')}`)
    return
  }
  const width = io.isStdoutTTY ? (io.streams.stdout as { columns?: number }).columns : undefined
  if (r.packages.length) io.print(fittedTable(header, r.packages.map(cells), width, io.out.bold))
  else io.info(`${r.org} has no packages on ${r.registry} that you can see.`)
  if (r.findings.length) {
    io.print('')
    io.print(io.out.bold(`Findings (${r.findings.length}):`))
    for (const f of r.findings) io.print(`  ${f.package}: ${f.message}`)
  }
}

export default defineCommand({
  name: 'report',
  description: 'who can publish and install each package of an org or scope, and what deserves a look',
  arguments: [{ name: 'org', description: 'the organisation or user scope (acme or @acme)', required: true }],
  options: {
    format: { flags: '--format <format>', description: 'table (fits the terminal), csv, json or markdown', default: 'table', choices: formats },
    concurrency: { flags: '--concurrency <n>', description: 'requests at once', default: '24' },
  },
  examples: [
    ['pkgs report acme', 'one row per package, then the findings'],
    ['pkgs report @acme --format csv > access.csv', 'for a spreadsheet'],
    ['pkgs report acme --format markdown >> $GITHUB_STEP_SUMMARY', 'in a CI job summary'],
  ],
  json: [
    'pkgs report acme --json',
    '{"org", "registry", "packages": [{"package", "access", "publishers", "installers", "trust"}], "findings": [{"kind", "package", "user"?, "message"}]}',
  ],
  notes:
    'Who can publish: the owners and the members of teams with read-write. Who can install a private package: those, and the members of read-only teams. Findings: packages one person can publish alone (sole-publisher), packages with no trusted publisher (no-trusted-publisher), owners who are not members of the org (owner-outside-org), public packages where most are private (public-in-private-scope). It reads only; trusted publishers are shown only to those who may publish.',
  async run(ctx, opts) {
    const width = concurrencyOf(opts.concurrency)
    const plan = await ctx.org(opts.org, 'teams')
    const access = await readOrg(plan, {
      read: { access: true, owners: true, trust: true, teams: true },
      pacers: ctx.pacers(),
      width: readConcurrency(plan.client.config, width),
    })
    const report = accessReport(access, plan.client.target.registry.url)
    return Object.defineProperty(report, 'format', { value: opts.format, enumerable: false }) as Report & { format: (typeof formats)[number] }
  },
  render: (r, io) => renderReport(r, r.format, io),
})
