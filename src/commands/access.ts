// pkgs access: public or private, for each package or a whole scope (read concurrently).
import { tally } from '../core/bulk.js'
import { itemError } from '../core/plan.js'
import { getVisibility } from '../core/visibility.js'
import { defineCommand } from './command.js'
import {
  bulkDocumentFailure,
  bulkOptions,
  concurrencyOf,
  planPackages,
  readConcurrency,
  readPackages,
  reportFailure,
  stoppedBy,
  type BulkResult,
} from './packages.js'

export default defineCommand({
  name: 'access',
  description: 'show whether packages are public or private',
  arguments: [
    { name: 'packages', description: "packages (default: at a workspace's root, its packages; else the name in the nearest package.json)", variadic: true },
  ],
  options: bulkOptions('packages to ask about at once'),
  examples: [
    ['pkgs access', 'the package in ./package.json'],
    ['pkgs access @acme/a @acme/b', '"@acme/a: private" per line'],
  ],
  json: ['pkgs access --scope @acme --json', '{"results": [{"package", "registry", "access"|"error"}], "failed"}'],
  async run(ctx, opts) {
    const width = concurrencyOf(opts.concurrency)
    const { config, planned } = await planPackages(ctx, opts.packages, opts.scope, { scopedOnly: false, loggedIn: false, command: 'access' })
    const run = await readPackages(
      ctx,
      planned,
      (p) => getVisibility(p.client, p.name),
      readConcurrency(config, width),
      (p, outcome) => {
        if (outcome.value) ctx.io.print(`${p.name}: ${outcome.value}`)
        else reportFailure(ctx.io, p.name, outcome.error, outcome.skipped, planned.length)
      },
    )
    if (planned.length === 1 && run.outcomes[0].error) throw run.outcomes[0].error
    const results: BulkResult[] = planned.map((p, i) => ({
      package: p.name,
      registry: p.target.registry.url,
      ...(run.outcomes[i].value ? { access: run.outcomes[i].value } : { error: itemError(run.outcomes[i]) }),
    }))
    const { failed, skipped } = tally(results)
    return { results, failed: failed + skipped, [stoppedBy]: run.stoppedBy }
  },
  failure: bulkDocumentFailure,
})
