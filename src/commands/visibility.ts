// make-public and make-private: switch scoped packages' visibility (`npm access set status=…`),
// one package or a whole scope, as a plan: visibility is read first, only what differs changes.
import { tally } from '../core/bulk.js'
import { itemError, type Change } from '../core/plan.js'
import { getVisibility, setVisibility, type Visibility } from '../core/visibility.js'
import { applyChanges, dryRunOption, planDocument } from './changes.js'
import { defineCommand } from './command.js'
import {
  bulkDocumentFailure,
  bulkOptions,
  concurrencyOf,
  LinesInOrder,
  packagesArgument,
  planPackages,
  readConcurrency,
  readPackages,
  reportFailure,
  stoppedBy,
  summary,
  type BulkResult,
} from './packages.js'

const jsonShape = '{"access", "results": [{"package", "registry", "access", "changed", "error"?}], "changed", "unchanged", "failed", "skipped"}'

export function visibilityCommand(want: Visibility) {
  const name = want === 'public' ? 'make-public' : 'make-private'
  return defineCommand({
    name,
    description:
      want === 'public'
        ? 'make scoped packages public: everyone can install them (asks first)'
        : 'make scoped packages private: only you and those you share them with can install them',
    arguments: [packagesArgument],
    options: { ...bulkOptions('packages to work on at once'), ...dryRunOption },
    examples:
      want === 'public'
        ? [
            ['pkgs make-public', 'the package in ./package.json (type its name to confirm)'],
            ['pkgs make-public @acme/a @acme/b --yes', 'without being asked (needed without a terminal)'],
            ['pkgs make-public --scope @acme --dry-run', 'which packages would become public; nothing is sent'],
          ]
        : [
            ['pkgs make-private', 'the package in ./package.json'],
            ['pkgs make-private @acme/a @acme/b', 'several, concurrently'],
            ['pkgs make-private --scope @acme --otp 123456', 'every package of @acme, one one-time password for all'],
          ],
    json: [want === 'public' ? 'pkgs make-public --scope @acme --yes --json' : 'pkgs make-private --scope @acme --json', jsonShape],
    notes:
      'One line per package, in the order of their names. Already as asked: exit 0, "changed": false. Some failed: exit 1; running it again finishes what failed on the way (not a refusal, 403: the hint says what to do instead).\n--dry-run: the plan ("~ @acme/a access public → private" per package that would change), nothing sent; --json adds "dryRun": true and "changes".',
    async run(ctx, opts) {
      const width = concurrencyOf(opts.concurrency)
      const { config, planned } = await planPackages(ctx, opts.packages, opts.scope, { scopedOnly: true, loggedIn: true, want, command: name })
      const read = await readPackages(ctx, planned, (p) => getVisibility(p.client, p.name, want), readConcurrency(config, width))
      const results: BulkResult[] = planned.map((p, i) => ({
        package: p.name,
        registry: p.target.registry.url,
        access: read.outcomes[i].value,
        changed: false,
      }))
      const changes: Change<void>[] = []
      const indexOf = new Map<Change, number>()
      planned.forEach((p, i) => {
        const from = read.outcomes[i].value
        if (!from || from === want) return
        const change: Change<void> = {
          kind: 'access',
          target: p.name,
          action: 'change',
          from,
          to: want,
          registry: p.target.registry.url,
          risk: want === 'public' ? 'public' : undefined,
          apply: () => setVisibility(p.client, p.name, want),
        }
        changes.push(change)
        indexOf.set(change, i)
      })
      // the lines in the packages' order: one left unchanged is said where it stands, among those that change
      const lines = new LinesInOrder(planned.length)
      let stopped = read.stoppedBy
      try {
        planned.forEach((p, i) => {
          const o = read.outcomes[i]
          if (o.value === want) lines.set(i, () => !opts.dryRun && ctx.io.print(`${p.name}: ${want} (unchanged)`))
          else if (o.error) {
            results[i].error = itemError(o)
            lines.set(i, () => reportFailure(ctx.io, p.name, o.error, o.skipped, planned.length))
          } else if (opts.dryRun) lines.set(i, () => {})
        })
        if (planned.length === 1 && read.outcomes[0].error) throw read.outcomes[0].error
        if (changes.length && !stopped && !opts.dryRun) {
          const unread = planned.filter((_, i) => read.outcomes[i].error).map((p) => p.name)
          const applied = await applyChanges(ctx, changes, {
            width,
            unread,
            onApplied: (c, outcome) => {
              const i = indexOf.get(c)!
              if (outcome.error) results[i].error = itemError(outcome)
              else Object.assign(results[i], { access: want, changed: true })
              lines.set(i, () =>
                outcome.error ? reportFailure(ctx.io, c.target, outcome.error, outcome.skipped, planned.length) : ctx.io.print(`${c.target}: ${want}`),
              )
            },
          })
          if (planned.length === 1 && applied.outcomes[0]?.error) throw applied.outcomes[0].error
          stopped = applied.stoppedBy
        }
      } finally {
        lines.flush()
      }
      for (const r of results) if (r.access === undefined) delete r.access
      const { failed, skipped } = tally(results)
      const changedCount = results.filter((r) => r.changed).length
      const doc = {
        access: want,
        results,
        changed: changedCount,
        unchanged: results.length - changedCount - failed - skipped,
        failed,
        skipped,
        [stoppedBy]: stopped,
      }
      return opts.dryRun ? { ...planDocument(changes), ...doc, unchanged: doc.unchanged - changes.length } : doc
    },
    render(r, io) {
      if (r.results.length > 1) {
        summary(
          io,
          `${r.changed} made ${want}, ${r.unchanged} already ${want}${r.failed ? `, ${r.failed} failed` : ''}${r.skipped ? `, ${r.skipped} not attempted` : ''}.`,
          r,
        )
      }
    },
    failure: bulkDocumentFailure,
  })
}
