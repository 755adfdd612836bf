// pkgs make-private / make-public: switch scoped packages' visibility (`npm access set
// status=…`), one package or a whole scope; visibility is checked first, so only what differs changes.
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import type { Context } from '../core/context.js'
import { Exit, PkgsError, usageError } from '../core/errors.js'
import { forEachConcurrently } from '../core/bulk.js'
import { otpSession, withOtp } from '../core/otp.js'
import { getVisibility, setVisibility, type Visibility } from '../core/visibility.js'
import { concurrencyOf, errorOf, finish, planPackages, readConcurrency, reportFailure, type BulkOptions, type BulkResult, type Planned } from './access.js'
import { examples } from './help.js'

async function confirmPublic(ctx: Context, changing: Planned[]): Promise<void> {
  const shown = changing.slice(0, 20).map((p) => `  ${p.name}  ${ctx.io.err.dim(p.target.registry.url)}`)
  if (changing.length > 20) shown.push(`  … and ${changing.length - 20} more`)
  ctx.io.info(`${ctx.io.err.bold('Will become public')} (everyone can install ${changing.length > 1 ? 'them' : 'it'}; mirrors copy public packages within minutes, so this cannot really be undone):\n${shown.join('\n')}`)
  const expected = changing.length === 1 ? changing[0].name : String(changing.length)
  const typed = await ctx.io.input(changing.length === 1 ? `Type ${expected} to make it public:` : `Type ${expected} (the number of packages) to make them public:`)
  if (typed.trim() !== expected) {
    throw new PkgsError('ENOTCONFIRMED', 'Nothing was made public: what you typed did not match.', { hint: 'Run it again and type exactly what is asked, or pass --yes.', exitCode: Exit.usage })
  }
}

export async function runSetVisibility(ctx: Context, want: Visibility, args: string[], opts: BulkOptions): Promise<void> {
  const concurrency = concurrencyOf(opts)
  if (want === 'public' && !ctx.options.yes && !ctx.io.canPrompt()) {
    throw usageError(`Making packages public needs a confirmation: ${ctx.io.noPromptReason()}.`, 'Pass --yes to make them public without being asked.')
  }
  const { config, planned } = await planPackages(ctx, args, opts, { scopedOnly: true, loggedIn: true, want, command: want === 'public' ? 'make-public' : 'make-private' })
  const checked = await forEachConcurrently(planned, readConcurrency(config, concurrency), (p) => getVisibility(config, p.target, p.name, want))
  const results: BulkResult[] = planned.map((p, i) => ({ package: p.name, registry: p.target.registry.url, access: checked.outcomes[i].value, changed: false }))
  const changing = planned.filter((_, i) => checked.outcomes[i].value && checked.outcomes[i].value !== want)
  planned.forEach((p, i) => {
    const o = checked.outcomes[i]
    if (o.value === want) ctx.io.print(`${p.name}: ${want} (unchanged)`)
    else if (o.error) {
      results[i].error = errorOf(o)
      reportFailure(ctx, p.name, o, planned.length)
    }
  })
  if (planned.length === 1 && checked.outcomes[0].error) throw checked.outcomes[0].error
  let stoppedBy = checked.stoppedBy
  if (changing.length && !stoppedBy) {
    if (want === 'public' && !ctx.options.yes) await confirmPublic(ctx, changing)
    const session = otpSession(ctx)
    const changed = await forEachConcurrently(
      changing,
      concurrency,
      (p) => withOtp(ctx, config, p.target, session, (otp) => setVisibility(config, p.target, p.name, want, otp)),
      (p, outcome) => {
        if (!outcome.error) ctx.io.print(`${p.name}: ${want}`)
        else reportFailure(ctx, p.name, outcome, planned.length)
      },
    )
    stoppedBy = changed.stoppedBy
    changing.forEach((p, j) => {
      const r = results[planned.indexOf(p)]
      const o = changed.outcomes[j]
      if (o.error) r.error = errorOf(o)
      else Object.assign(r, { access: want, changed: true })
    })
    if (planned.length === 1 && changed.outcomes[0].error) throw changed.outcomes[0].error
  }
  for (const r of results) if (r.access === undefined) delete r.access
  const failed = results.filter((r) => r.error && r.error.code !== 'ESKIPPED').length
  const skipped = results.filter((r) => r.error?.code === 'ESKIPPED').length
  const changedCount = results.filter((r) => r.changed).length
  if (!ctx.io.json && planned.length > 1) {
    ctx.io.success(`${changedCount} made ${want}, ${results.length - changedCount - failed - skipped} already ${want}${failed ? `, ${failed} failed` : ''}${skipped ? `, ${skipped} not attempted` : ''}.`)
  }
  finish(ctx, { access: want, results, changed: changedCount, unchanged: results.length - changedCount - failed - skipped, failed, skipped }, failed + skipped, results.length, stoppedBy)
}

export function registerVisibility(program: Command, run: Runner, want: Visibility): void {
  const name = want === 'public' ? 'make-public' : 'make-private'
  program
    .command(name)
    .argument('[packages...]', 'scoped packages (default: the name in ./package.json)')
    .description(want === 'public' ? 'make scoped packages public: everyone can install them (asks first)' : 'make scoped packages private: only you and those you share them with can install them')
    .option('--scope <scope>', 'every package of this scope (org or user)')
    .option('--concurrency <n>', 'packages to work on at once', '8')
    .addHelpText(
      'after',
      examples(
        want === 'public'
          ? [
              ['pkgs make-public', 'the package in ./package.json (type its name to confirm)'],
              ['pkgs make-public @acme/a @acme/b --yes', 'without being asked (needed without a terminal)'],
              ['pkgs make-public --scope @acme --yes --json', '{"access", "results": [{"package", "registry", "access", "changed", "error"?}], "changed", "unchanged", "failed", "skipped"}'],
            ]
          : [
              ['pkgs make-private', 'the package in ./package.json'],
              ['pkgs make-private @acme/a @acme/b', 'several, concurrently'],
              ['pkgs make-private --scope @acme --otp 123456', 'every package of @acme, one one-time password for all'],
              ['pkgs make-private --scope @acme --json', '{"access", "results": [{"package", "registry", "access", "changed", "error"?}], "changed", "unchanged", "failed", "skipped"}'],
            ],
      ) + '\n\nAlready as asked: exit 0, "changed": false. Some failed: exit 1; run it again to finish the rest.',
    )
    .action(run((ctx, args, opts) => runSetVisibility(ctx, want, args, opts as BulkOptions)))
}

export function register(program: Command, run: Runner): void {
  registerVisibility(program, run, 'private')
}
