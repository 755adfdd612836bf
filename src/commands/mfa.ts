// pkgs mfa: whether publishing needs two-factor authentication and whether automation tokens may
// bypass it (`npm access set mfa=…`), one package or a whole scope, as a plan of one change per
// package (npmjs shows no package's policy, so each is sent).
import { tally } from '../core/bulk.js'
import { itemError, type Change } from '../core/plan.js'
import { setMfa } from '../core/visibility.js'
import { applyChanges, dryRunOption, planDocument } from './changes.js'
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
    { name: 'packages', description: "packages (default: at a workspace's root, its packages; else the name in the nearest package.json)", variadic: true },
  ],
  options: { ...bulkOptions('packages to work on at once'), ...dryRunOption },
  examples: [
    ['pkgs mfa publish', 'the package in ./package.json needs 2FA to publish'],
    ['pkgs mfa automation @acme/a @acme/b', '2FA, but automation tokens may publish'],
    ['pkgs mfa none --scope @acme --otp 123456', 'every package of @acme'],
    ['pkgs mfa publish --scope @acme --dry-run', 'the packages it would be sent to; nothing is sent'],
  ],
  json: ['pkgs mfa publish --scope @acme --json', '{"mfa", "results": [{"package", "registry", "mfa", "changed", "error"?}], "changed", "failed", "skipped"}'],
  async run(ctx, { level, packages, scope, concurrency, dryRun }) {
    const width = concurrencyOf(concurrency)
    const { planned } = await planPackages(ctx, packages, scope, { scopedOnly: false, loggedIn: true, command: `mfa ${level}` })
    // npmjs tells no package's current policy: every package the policy was sent to counts as changed
    const results: BulkResult[] = planned.map((p) => ({ package: p.name, registry: p.target.registry.url, mfa: level, changed: false }))
    const changes = planned.map((p): Change<void> => ({
      kind: 'mfa',
      target: p.name,
      action: 'change',
      to: level,
      registry: p.target.registry.url,
      apply: () => setMfa(p.client, p.name, level),
    }))
    if (dryRun) return { ...planDocument(changes), mfa: level, results, changed: 0, failed: 0, skipped: 0 }
    const run = await applyChanges(ctx, changes, {
      width,
      onApplied(c, outcome) {
        const i = changes.indexOf(c)
        if (outcome.error) results[i].error = itemError(outcome)
        else results[i].changed = true
        if (!outcome.error) ctx.io.print(`${c.target}: mfa=${level}`)
        else reportFailure(ctx.io, c.target, outcome.error, outcome.skipped, planned.length)
      },
    })
    if (planned.length === 1 && run.outcomes[0].error) throw run.outcomes[0].error
    const { failed, skipped } = tally(results)
    return { mfa: level, results, changed: results.filter((r) => r.changed).length, failed, skipped, [stoppedBy]: run.stoppedBy }
  },
  render(r, io) {
    if (r.results.length > 1)
      summary(io, `mfa=${r.mfa} set on ${r.changed}${r.failed ? `; ${r.failed} failed` : ''}${r.skipped ? `; ${r.skipped} not attempted` : ''}.`, r)
  },
  failure: bulkDocumentFailure,
})
