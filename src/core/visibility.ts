// Public or private, and the two-factor policy, with npm's libnpmaccess: one small function per
// endpoint, plus the names of a scope's packages.
import type { RegistryClient } from './client.js'
import { PkgsError } from './errors.js'
import { isStatus, requireWorkflow, unsupportedBy, type Target } from './registry.js'
import { getPackagesOf } from './permissions.js'
import { escapedName } from '../package/names.js'

export type Visibility = 'public' | 'private'
export type MfaLevel = 'none' | 'publish' | 'automation'

/** The rule Verdaccio needs in config.yaml for this visibility. */
export function verdaccioRule(pattern: string, visibility: Visibility): string {
  return `'${pattern}': { access: ${visibility === 'public' ? '$all' : '$authenticated'}, publish: $authenticated }`
}

/** The explanation of a registry without visibility, with the config.yaml rule that does it there. */
function withFix(error: PkgsError, fix: string, cause: unknown = error.cause): PkgsError {
  return new PkgsError(error.code, error.message, { hint: `${error.hint} ${fix}`, exitCode: error.exitCode, cause })
}

function unsupported(err: unknown, target: Target, what: string, fix?: string): unknown {
  const error = unsupportedBy(err, target, 'visibility', what)
  if (!error) return err
  return fix ? withFix(error, fix, err) : error
}

/** GET /-/package/<pkg>/visibility (libnpmaccess.getVisibility). */
export async function getVisibility(client: RegistryClient, name: string, want?: Visibility): Promise<Visibility> {
  const { target } = client
  requireWorkflow(target, 'visibility', 'package visibility (public or private)')
  try {
    const res = await client.json<{ public?: unknown }>(`/-/package/${escapedName(name)}/visibility`, { preferOnline: true })
    return res.body.public === true ? 'public' : 'private'
  } catch (err) {
    const fix = want ? `To make ${name} ${want}, write in config.yaml, above '@*/*': ${verdaccioRule(name, want)}` : undefined
    throw unsupported(err, target, 'package visibility (public or private)', fix)
  }
}

/** POST /-/package/<pkg>/access {access} (libnpmaccess.setAccess, `npm access set status=…`). */
export async function setVisibility(client: RegistryClient, name: string, visibility: Visibility): Promise<void> {
  const { target } = client
  const { setAccess } = await import('libnpmaccess')
  try {
    await client.write((opts) => setAccess(name, visibility === 'private' ? 'restricted' : 'public', opts), { packageName: name })
  } catch (err) {
    if (isStatus(err, 402)) {
      throw new PkgsError('E402', `Private packages need a paid plan on ${target.registry.url}: ${name} stays public.`, {
        hint: "Upgrade the scope's account or organisation to a paid plan.",
        cause: err,
      })
    }
    throw unsupported(err, target, 'package visibility (public or private)')
  }
}

/** POST /-/package/<pkg>/access with the 2FA policy (libnpmaccess.setMfa, `npm access set mfa=…`). */
export async function setMfa(client: RegistryClient, name: string, level: MfaLevel): Promise<void> {
  requireWorkflow(client.target, 'visibility', 'two-factor policies of packages')
  const { setMfa: set } = await import('libnpmaccess')
  try {
    await client.write((opts) => set(name, level, opts), { packageName: name })
  } catch (err) {
    throw unsupported(err, client.target, 'two-factor policies of packages')
  }
}

/** Every package of a scope: the org's, else the user's (libnpmaccess.getPackages), only that scope's names. */
export async function packagesOfScope(client: RegistryClient, scope: string, want?: Visibility): Promise<string[]> {
  const what = `listing the packages of ${scope}`
  requireWorkflow(client.target, 'visibility', what)
  try {
    const { packages } = await getPackagesOf(client, { kind: 'org-or-user', name: scope }, { workflow: 'visibility', what })
    return Object.keys(packages)
      .filter((name) => name.startsWith(`${scope}/`))
      .sort()
  } catch (err) {
    if (!want || !(err instanceof PkgsError) || err.code !== 'EUNSUPPORTED') throw err
    throw withFix(err, `For every package of ${scope}, write in config.yaml, above '@*/*': ${verdaccioRule(`${scope}/*`, want)}`)
  }
}
