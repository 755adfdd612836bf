// pkgs scope: show the default scope and every scope's registry (and where each is set); set and
// unset them in the user or project .npmrc, keeping everything else in the file.
import { invalidDefaultScope, normalizeRegistryUrl, resolveRegistry, shownPath, sourceOf, type Source } from '../core/config.js'
import type { Location } from '../core/npmrc.js'
import { readScopes, setScope, unsetScope, type ScopeChange } from '../core/scopes.js'
import type { IO } from '../io/io.js'
import { normalizeScope } from '../package/names.js'
import { defineCommand, defineGroup } from './command.js'
import type { Context } from './context.js'

interface ScopeSetOptions {
  location: Location
}

interface ScopeShowResult {
  scope: string | null
  scopeSource: string | null
  /** the registry of scopes that are not mapped */
  registry: string
  registrySource: string
  mappings: { scope: string; registry: string; source: string | null; file?: string }[]
}

interface ScopeSetResult {
  scope: string
  registry: string
  location: Location
  file: string
  changed: boolean
}

interface ScopeUnsetResult {
  scope: string | null
  location: Location
  file: string
  removed: string[]
  changed: boolean
}

async function runScopeShow(ctx: Context): Promise<ScopeShowResult> {
  const config = await ctx.config()
  const settings = readScopes(config)
  const invalid = invalidDefaultScope(config)
  if (invalid) ctx.io.warn(`${invalid.message} ${invalid.hint}`)
  return {
    scope: settings.scope ?? null,
    scopeSource: settings.scopeSource?.label ?? null,
    registry: settings.registry.url,
    registrySource: settings.registry.source,
    mappings: settings.mappings.map((m) => ({
      scope: m.scope,
      registry: m.registry,
      source: m.source?.label ?? null,
      ...(m.source?.file ? { file: m.source.file } : {}),
    })),
  }
}

function warnOverridden(ctx: Context, change: ScopeChange, written: string, what: string): void {
  if (change.overriddenBy) ctx.io.warn(`${change.overriddenBy.label} also sets ${what}, and wins over ${written} here.`)
}

async function runScopeSet(ctx: Context, { scope: scopeArg, ...opts }: ScopeSetOptions & { scope: string }): Promise<ScopeSetResult> {
  const scope = normalizeScope(scopeArg)
  const mapped = ctx.options.registry ? normalizeRegistryUrl(ctx.options.registry) : undefined
  const config = await ctx.config()
  const location = opts.location ?? 'user'
  const change = await setScope(config, scope, location, mapped)
  const resolved = mapped ? undefined : resolveRegistry(config, { scope })
  if (!ctx.io.json) {
    const where = shownPath(config, change.file)
    if (change.changed.length) ctx.io.success(`Default scope: ${scope}${mapped ? `, on ${mapped}` : ''} (written to ${where}).`)
    else ctx.io.info(`${scope}${mapped ? ` on ${mapped}` : ''} is already set in ${where}: nothing to change.`)
    warnOverridden(ctx, change, where, mapped ? `the scope or ${scope}:registry` : 'the scope')
    if (resolved) ctx.io.info(`${scope} packages use ${resolved.url} (${resolved.source}).`)
  }
  return { scope, registry: mapped ?? resolved!.url, location, file: change.file, changed: change.changed.length > 0 }
}

async function runScopeUnset(ctx: Context, { scope: scopeArg, ...opts }: ScopeSetOptions & { scope?: string }): Promise<ScopeUnsetResult> {
  const scope = scopeArg ? normalizeScope(scopeArg) : undefined
  const config = await ctx.config()
  const location = opts.location ?? 'user'
  const change = await unsetScope(config, location, scope)
  if (!ctx.io.json) {
    const where = shownPath(config, change.file)
    if (change.changed.length) ctx.io.success(`Removed ${change.changed.join(' and ')} from ${where}.`)
    else {
      ctx.io.info(`${where} sets ${scope ? `no ${scope}:registry` : 'no default scope'}: nothing to change.`)
      const elsewhere: Source | undefined = sourceOf(config, scope ? `${scope}:registry` : 'scope')
      if (elsewhere && elsewhere.layer !== 'default' && elsewhere.file !== change.file) {
        const other = elsewhere.layer === 'project' ? 'project' : elsewhere.layer === 'user' ? 'user' : undefined
        ctx.io.hint(`It is set in ${elsewhere.label}${other ? `: pkgs scope unset${scope ? ` ${scope}` : ''} --location ${other}` : ''}`)
      }
    }
  }
  return { scope: scope ?? null, location, file: change.file, removed: change.changed, changed: change.changed.length > 0 }
}

function render(result: ScopeShowResult, io: IO): void {
  const c = io.out
  io.print(result.scope ? `Default scope: ${c.bold(result.scope)} ${c.dim(`(${result.scopeSource})`)}` : 'No default scope.')
  io.print(`Default registry: ${result.registry} ${c.dim(`(${result.registrySource})`)}`)
  if (!result.mappings.length) {
    io.print('No scope is mapped to a registry: every scope uses the default registry.')
  } else {
    io.print('Scope registries:')
    const width = Math.max(...result.mappings.map((m) => m.scope.length))
    const urlWidth = Math.max(...result.mappings.map((m) => m.registry.length))
    for (const m of result.mappings) io.print(`  ${m.scope.padEnd(width)}  ${m.registry.padEnd(urlWidth)}  ${c.dim(m.source ?? '')}`)
  }
  if (!result.scope) io.hint('Set one with: pkgs scope set @your-scope')
}

const location = {
  flags: '--location <where>',
  description: "the .npmrc to write: user (~/.npmrc, npm's userconfig) or project (./.npmrc)",
  choices: ['user', 'project'],
  default: 'user',
} as const

const show = defineCommand({
  name: 'scope',
  description: "show the default scope and each scope's registry; set or unset them",
  examples: [],
  run: runScopeShow,
  render,
})

const set = defineCommand({
  name: 'set',
  description: 'set the default scope and, with --registry, the registry of its packages',
  arguments: [{ name: 'scope', description: 'the scope, e.g. @acme (acme means @acme)', required: true }],
  options: { location },
  examples: [
    ['pkgs scope set acme', 'scope=@acme in ~/.npmrc'],
    ['pkgs scope set @acme --registry https://npm.acme.dev/', 'also @acme:registry=https://npm.acme.dev/'],
    ['pkgs scope set @acme --location project', 'in ./.npmrc, for this project only'],
  ],
  json: ['pkgs scope set @acme --json', '{"scope", "registry", "location", "file", "changed"}'],
  notes: 'Only these keys change: every other line of the file (comments, tokens, other scopes) is kept as it is.',
  run: runScopeSet,
})

const unset = defineCommand({
  name: 'unset',
  description: "remove the default scope, or a scope's registry mapping",
  arguments: [{ name: 'scope', description: "remove this scope's registry mapping (and the default scope if it is this one)" }],
  options: { location },
  examples: [
    ['pkgs scope unset', 'remove the default scope from ~/.npmrc'],
    ['pkgs scope unset @acme', 'remove @acme:registry (and scope=@acme) from ~/.npmrc'],
  ],
  json: ['pkgs scope unset @acme --location project --json', '{"scope", "location", "file", "removed", "changed"}'],
  notes: 'Nothing to remove is not an error (exit 0, "changed": false).',
  run: runScopeUnset,
})

export default defineGroup({
  name: 'scope',
  description: show.description,
  examples: [
    ['pkgs scope', 'the default scope and every @scope:registry, with the file each comes from'],
    ['pkgs scope set @acme', 'make @acme the default scope (npm config set scope)'],
    ['pkgs scope set @acme --registry https://npm.acme.dev/', 'and install/publish @acme packages from there'],
    ['pkgs scope unset @acme --location project', 'remove @acme from ./.npmrc'],
    ['pkgs scope --json', '{"scope", "scopeSource", "registry", "registrySource", "mappings": [{"scope", "registry", "source"}]}'],
  ],
  default: show,
  commands: [set, unset],
})
