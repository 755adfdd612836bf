// pkgs mfa: whether publishing needs two-factor authentication and whether automation tokens may
// bypass it (`npm access set mfa=…`), one package or a whole scope.
import { Argument, type Command } from 'commander'
import type { Runner } from '../cli.js'
import type { Context } from '../core/context.js'
import { forEachConcurrently } from '../core/bulk.js'
import { otpSession, withOtp } from '../core/otp.js'
import { setMfa, type MfaLevel } from '../core/visibility.js'
import { concurrencyOf, errorOf, finish, planPackages, reportFailure, type BulkOptions, type BulkResult } from './access.js'
import { examples } from './help.js'

export async function runMfa(ctx: Context, level: MfaLevel, args: string[], opts: BulkOptions): Promise<void> {
  const concurrency = concurrencyOf(opts)
  const { config, planned } = await planPackages(ctx, args, opts, { scopedOnly: false, loggedIn: true, command: `mfa ${level}` })
  const session = otpSession(ctx)
  const { outcomes, stoppedBy } = await forEachConcurrently(
    planned,
    concurrency,
    (p) => withOtp(ctx, config, p.target, session, (otp) => setMfa(config, p.target, p.name, level, otp)),
    (p, outcome) => {
      if (!outcome.error) ctx.io.print(`${p.name}: mfa=${level}`)
      else reportFailure(ctx, p.name, outcome, planned.length)
    },
  )
  if (planned.length === 1 && outcomes[0].error) throw outcomes[0].error
  // npmjs tells no package's current policy: every package the policy was sent to counts as changed
  const results: BulkResult[] = planned.map((p, i) => ({ package: p.name, registry: p.target.registry.url, mfa: level, changed: !outcomes[i].error, ...(outcomes[i].error ? { error: errorOf(outcomes[i]) } : {}) }))
  const failed = results.filter((r) => r.error && r.error.code !== 'ESKIPPED').length
  const skipped = results.filter((r) => r.error?.code === 'ESKIPPED').length
  const changed = results.filter((r) => r.changed).length
  if (!ctx.io.json && planned.length > 1) ctx.io.success(`mfa=${level} set on ${changed}${failed ? `; ${failed} failed` : ''}${skipped ? `; ${skipped} not attempted` : ''}.`)
  finish(ctx, { mfa: level, results, changed, failed, skipped }, failed + skipped, results.length, stoppedBy)
}

export function register(program: Command, run: Runner): void {
  program
    .command('mfa')
    .addArgument(new Argument('<level>', 'none: no 2FA to publish; publish: 2FA, no token bypass; automation: 2FA, automation tokens may bypass').choices(['none', 'publish', 'automation']))
    .argument('[packages...]', 'packages (default: the name in ./package.json)')
    .description('whether publishing the packages needs two-factor authentication')
    .option('--scope <scope>', 'every package of this scope (org or user)')
    .option('--concurrency <n>', 'packages to work on at once', '8')
    .addHelpText(
      'after',
      examples([
        ['pkgs mfa publish', 'the package in ./package.json needs 2FA to publish'],
        ['pkgs mfa automation @acme/a @acme/b', '2FA, but automation tokens may publish'],
        ['pkgs mfa none --scope @acme --otp 123456', 'every package of @acme'],
        ['pkgs mfa publish --scope @acme --json', '{"mfa", "results": [{"package", "registry", "mfa", "changed", "error"?}], "changed", "failed", "skipped"}'],
      ]),
    )
    .action(run((ctx, args, opts) => runMfa(ctx, args[0] as MfaLevel, args.slice(1), opts as BulkOptions)))
}
