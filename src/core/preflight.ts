// Up-front checks: npm on the PATH (read from its package.json, never by spawning it) and the
// login state of a registry (whoami, started alongside the command's first request).
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import type { Credentials, InvalidAuthKey, ResolvedRegistry } from './config.js'
import { Exit, PkgsError } from './errors.js'
import { nerfDart } from './npmrc.js'

const require = createRequire(import.meta.url)

/** Private packages need npm newer than this (npm's guide to private packages). */
export const minimumNpm = '2.7.0'

export interface NpmInfo {
  found: boolean
  /** the npm executable found on the PATH */
  bin?: string
  /** npm's install folder */
  root?: string
  version?: string
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function readNpmPackage(start: string): { root: string; version: string } | undefined {
  let dir = dirname(start)
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      if (pkg?.name === 'npm' && typeof pkg.version === 'string') return { root: dir, version: pkg.version }
    } catch {
      // not here: look one folder up
    }
    dir = dirname(dir)
  }
  return undefined
}

/** The npm a user would run: the first `npm` on the PATH, and its version from its package.json. */
export function findNpm(env: NodeJS.ProcessEnv): NpmInfo {
  const names = process.platform === 'win32' ? ['npm.cmd', 'npm.exe', 'npm'] : ['npm']
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    for (const name of names) {
      const bin = join(dir, name)
      if (!isExecutable(bin)) continue
      let real = bin
      try {
        real = realpathSync(bin)
      } catch {
        // a dangling link: report what we found
      }
      const pkg = readNpmPackage(real)
      return { found: true, bin, root: pkg?.root, version: pkg?.version }
    }
  }
  return { found: false }
}

export type CheckStatus = 'ok' | 'warn' | 'error'

export interface Check {
  id: string
  status: CheckStatus
  message: string
  hint?: string
}

export function checkNpm(npm: NpmInfo): Check {
  if (!npm.found) {
    return {
      id: 'npm',
      status: 'error',
      message: 'npm was not found on the PATH.',
      hint: 'Install Node.js with npm (https://nodejs.org/) so that others can install your private packages.',
    }
  }
  if (!npm.version) {
    return {
      id: 'npm',
      status: 'warn',
      message: `npm found at ${npm.bin}, but its version could not be read.`,
      hint: 'Run `npm --version`; it must be newer than 2.7.0.',
    }
  }
  const gt = require('semver/functions/gt') as (a: string, b: string) => boolean
  if (!gt(npm.version, minimumNpm)) {
    return {
      id: 'npm',
      status: 'error',
      message: `npm ${npm.version} is too old for private packages (it must be newer than ${minimumNpm}).`,
      hint: 'Upgrade npm: npm install -g npm@latest',
    }
  }
  return { id: 'npm', status: 'ok', message: `npm ${npm.version} (${npm.bin})` }
}

/** The `pkgs login …` command that logs in to this registry. */
export function loginCommand(registry: ResolvedRegistry, scope?: string): string {
  if (scope && registry.rule === 'scope') return `pkgs login --scope ${scope}`
  if (registry.rule === 'default') return 'pkgs login'
  return `pkgs login --registry ${registry.url}`
}

/** `a`, `a and b`, `a, b and c` */
function inWords(items: string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}` : (items[0] ?? '')
}

function invalidAuthError(registry: ResolvedRegistry, keys: InvalidAuthKey[]): PkgsError {
  const files = [...new Set(keys.map((k) => k.file))]
  const changes = files.map((file) => {
    const what = keys
      .filter((k) => k.file === file)
      .map((k) => (k.renameTo ? `\`${k.key}\` must be renamed to \`${k.renameTo}\`` : `\`${k.key}\` must be removed`))
    return `in ${file}, ${inWords(what)}`
  })
  // npm config fix ties them to the default registry, which may not be the one they are for
  const renamed = keys.filter((k) => k.renameTo)
  const tiedTo = renamed[0]?.renameTo?.slice(0, renamed[0].renameTo.lastIndexOf(':'))
  const ours = nerfDart(registry.url)
  const them = renamed.length > 1 ? 'them' : 'it'
  return new PkgsError('ERR_INVALID_AUTH', `npm no longer accepts credentials that are not tied to a registry: ${changes.join('; ')}.`, {
    hint:
      tiedTo && tiedTo !== ours
        ? `Run \`npm config fix\` (it ties ${them} to ${tiedTo}), or, if ${them === 'it' ? 'it is' : 'they are'} for ${registry.url}, rename ${them} to ${inWords(renamed.map((k) => `\`${ours}:${k.key}\``))} yourself.`
        : 'Run `npm config fix` to make the change.',
    exitCode: Exit.auth,
  })
}

/**
 * Why a command cannot authenticate to the registry, as the error it stops with: credentials npm
 * refuses or cannot expand, or none at all. Undefined when they can be sent (whether the registry
 * accepts them is its own answer).
 */
export function credentialsError(registry: ResolvedRegistry, credentials: Credentials, scope?: string): PkgsError | undefined {
  const { problem } = credentials
  if (problem?.kind === 'invalid-auth') return invalidAuthError(registry, problem.keys)
  if (problem?.kind === 'unset-variable') {
    return new PkgsError(
      'ENEEDAUTH',
      `The credentials for ${registry.url} come from \${${problem.variable}} in ${problem.file}, but the environment variable ${problem.variable} is not set.`,
      {
        hint: `Set ${problem.variable} (in CI, from a secret), or log in with: ${loginCommand(registry, scope)}`,
        exitCode: Exit.auth,
      },
    )
  }
  if (credentials.type !== 'none') return undefined
  return new PkgsError('ENEEDAUTH', `You are not logged in to ${registry.url}.`, {
    hint: `Log in with: ${loginCommand(registry, scope)}`,
    exitCode: Exit.auth,
  })
}

/** Fail at once (no request) when there are no credentials for the registry that npm would send. */
export function requireCredentials(registry: ResolvedRegistry, credentials: Credentials, scope?: string): void {
  const error = credentialsError(registry, credentials, scope)
  if (error) throw error
}
