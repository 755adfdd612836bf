// make-public and make-private: switch scoped packages' visibility (`npm access set status=…`),
// one package or a whole scope; visibility is read first, so only what differs changes.
import { forEachConcurrently, itemError, tally } from '../core/bulk.js'
import { notConfirmedError } from '../core/errors.js'
import { getVisibility, setVisibility, type Visibility } from '../core/visibility.js'
import { defineCommand } from './command.js'
import type { Context } from './context.js'
import {
  bulkDocumentFailure,
  bulkOptions,
  changeEach,
  concurrencyOf,
  LinesInOrder,
  packagesArgument,
  planPackages,
  readConcurrency,
  reportFailure,
  stoppedBy,
  summary,
  type BulkResult,
  type Planned,
} from './packages.js'

/** `unread`: packages whose visibility could not be read, said before the question (their errors follow in the run's lines). */
async function confirmPublic(ctx: Context, changing: Planned[], unread: string[]): Promise<void> {
  const listed = (names: string[]) => [...names.slice(0, 20), ...(names.length > 20 ? [`… and ${names.length - 20} more`] : [])].map((n) => `  ${n}`)
  const shown = listed(changing.map((p) => `${p.name}  ${ctx.io.err.dim(p.target.registry.url)}`))
  ctx.io.info(
    `${ctx.io.err.bold('Will become public')} (everyone can install ${changing.length > 1 ? 'them' : 'it'}; mirrors copy public packages within minutes, so this cannot really be undone):\n${shown.join('\n')}`,
  )
  if (unread.length) ctx.io.info(`Left as ${unread.length > 1 ? 'they are' : 'it is'} (could not be read):\n${listed(unread).join('\n')}`)
  const expected = changing.length === 1 ? changing[0].name : String(changing.length)
  const typed = await ctx.io.input(
    changing.length === 1 ? `Type ${expected} to make it public:` : `Type ${expected} (the number of packages) to make them public:`,
  )
  if (typed.trim() !== expected)
    throw notConfirmedError('Nothing was made public: what you typed did not match.', 'Run it again and type exactly what is asked, or pass --yes.')
}

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
    options: bulkOptions('packages to work on at once'),
    examples:
      want === 'public'
        ? [
            ['pkgs make-public', 'the package in ./package.json (type its name to confirm)'],
            ['pkgs make-public @acme/a @acme/b --yes', 'without being asked (needed without a terminal)'],
          ]
        : [
            ['pkgs make-private', 'the package in ./package.json'],
            ['pkgs make-private @acme/a @acme/b', 'several, concurrently'],
            ['pkgs make-private --scope @acme --otp 123456', 'every package of @acme, one one-time password for all'],
          ],
    json: [want === 'public' ? 'pkgs make-public --scope @acme --yes --json' : 'pkgs make-private --scope @acme --json', jsonShape],
    notes:
      'One line per package, in the order of their names. Already as asked: exit 0, "changed": false. Some failed: exit 1; running it again finishes what failed on the way (not a refusal, 403: the hint says what to do instead).',
    async run(ctx, opts) {
      const concurrency = concurrencyOf(opts.concurrency)
      const { config, planned } = await planPackages(ctx, opts.packages, opts.scope, { scopedOnly: true, loggedIn: true, want, command: name })
      const checked = await forEachConcurrently(planned, readConcurrency(config, concurrency), (p) => getVisibility(config, p.target, p.name, want))
      const results: BulkResult[] = planned.map((p, i) => ({
        package: p.name,
        registry: p.target.registry.url,
        access: checked.outcomes[i].value,
        changed: false,
      }))
      const changing = planned.filter((_, i) => checked.outcomes[i].value && checked.outcomes[i].value !== want)
      // the lines in the packages' order: one left unchanged is said where it stands, among those that change
      const lines = new LinesInOrder(planned.length)
      let stopped = checked.stoppedBy
      try {
        planned.forEach((p, i) => {
          const o = checked.outcomes[i]
          if (o.value === want) lines.set(i, () => ctx.io.print(`${p.name}: ${want} (unchanged)`))
          else if (o.error) {
            results[i].error = itemError(o)
            lines.set(i, () => reportFailure(ctx.io, p.name, o.error, o.skipped, planned.length))
          }
        })
        if (planned.length === 1 && checked.outcomes[0].error) throw checked.outcomes[0].error
        if (changing.length && !stopped) {
          // asked only now: a registry that cannot do it (exit 4) or nothing to change (exit 0) is said first; reads change nothing
          if (want === 'public' && !ctx.options.yes) {
            ctx.requireConfirmable({ what: 'Making packages public needs a confirmation', yesHint: 'Pass --yes to make them public without being asked.' })
            await confirmPublic(
              ctx,
              changing,
              planned.filter((_, i) => checked.outcomes[i].error).map((p) => p.name),
            )
          }
          const otp = ctx.otp()
          stopped = await changeEach({
            planned,
            changing,
            results,
            concurrency,
            change: (p) => setVisibility(config, p.target, p.name, want, otp),
            report: (p, outcome) =>
              lines.set(planned.indexOf(p), () => {
                if (!outcome.error) ctx.io.print(`${p.name}: ${want}`)
                else reportFailure(ctx.io, p.name, outcome.error, outcome.skipped, planned.length)
              }),
            done: (r) => Object.assign(r, { access: want, changed: true }),
          })
        }
      } finally {
        lines.flush()
      }
      for (const r of results) if (r.access === undefined) delete r.access
      const { failed, skipped } = tally(results)
      const changedCount = results.filter((r) => r.changed).length
      return {
        access: want,
        results,
        changed: changedCount,
        unchanged: results.length - changedCount - failed - skipped,
        failed,
        skipped,
        [stoppedBy]: stopped,
      }
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
