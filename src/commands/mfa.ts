// pkgs mfa: whether publishing needs two-factor authentication and whether automation tokens may
// bypass it (`npm access set mfa=…`), one package or a whole scope.
import { forEachConcurrently, itemError, tally } from '../core/bulk.js'
import { setMfa } from '../core/visibility.js'
import { defineCommand } from './command.js'
import { bulkDocumentFailure, bulkOptions, concurrencyOf, planPackages, reportFailure, stoppedBy, summary, type BulkResult } from './packages.js'

export default defineCommand({
  name: 'mfa',
  description: 'whether publishing the packages needs two-factor authentication',
  arguments: [
    {
      name: 'level',
      description: 'none: no 2FA to publish; publish: 2FA, no token bypass; automation: 2FA, automation tokens may bypass',
      required: true,
      choices: ['none', 'publish', 'automation'],
    },
    { name: 'packages', description: 'packages (default: the name in the nearest package.json, here or above)', variadic: true },
  ],
  options: bulkOptions('packages to work on at once'),
  examples: [
    ['pkgs mfa publish', 'the package in ./package.json needs 2FA to publish'],
    ['pkgs mfa automation @acme/a @acme/b', '2FA, but automation tokens may publish'],
    ['pkgs mfa none --scope @acme --otp 123456', 'every package of @acme'],
  ],
  json: ['pkgs mfa publish --scope @acme --json', '{"mfa", "results": [{"package", "registry", "mfa", "changed", "error"?}], "changed", "failed", "skipped"}'],
  async run(ctx, { level, packages, scope, concurrency }) {
    const n = concurrencyOf(concurrency)
    const { config, planned } = await planPackages(ctx, packages, scope, { scopedOnly: false, loggedIn: true, command: `mfa ${level}` })
    const otp = ctx.otp()
    const run = await forEachConcurrently(
      planned,
      n,
      (p) => setMfa(config, p.target, p.name, level, otp),
      (p, outcome) => {
        if (!outcome.error) ctx.io.print(`${p.name}: mfa=${level}`)
        else reportFailure(ctx.io, p.name, outcome.error, outcome.skipped, planned.length)
      },
    )
    if (planned.length === 1 && run.outcomes[0].error) throw run.outcomes[0].error
    // npmjs tells no package's current policy: every package the policy was sent to counts as changed
    const results: BulkResult[] = planned.map((p, i) => ({
      package: p.name,
      registry: p.target.registry.url,
      mfa: level,
      changed: !run.outcomes[i].error,
      ...(run.outcomes[i].error ? { error: itemError(run.outcomes[i]) } : {}),
    }))
    const { failed, skipped } = tally(results)
    return { mfa: level, results, changed: results.filter((r) => r.changed).length, failed, skipped, [stoppedBy]: run.stoppedBy }
  },
  render(r, io) {
    if (r.results.length > 1)
      summary(io, `mfa=${r.mfa} set on ${r.changed}${r.failed ? `; ${r.failed} failed` : ''}${r.skipped ? `; ${r.skipped} not attempted` : ''}.`, r)
  },
  failure: bulkDocumentFailure,
})
