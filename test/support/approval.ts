// A run of pkgs without a terminal that a person approves in the browser (the npmjs-like
// registry's web two-factor flow) once it asks: how many approvals it waited on, how many writes
// were challenged.
import type { NpmjsRegistry } from './npmjs-registry.js'
import { runPkgs, type RunOptions, type RunResult, type Sandbox } from './sandbox.js'

/** Waits until the check holds (a browser approval waiting, a request seen). */
export async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** The web two-factor checks a run waited on since request `since`: one per distinct doneUrl it polled. */
export function approvalsPolled(registry: NpmjsRegistry, since: number): string[] {
  return [...new Set(registry.requests.slice(since).flatMap((r) => /^\/-\/v1\/auth\/done\/([^/?]+)/.exec(r.path)?.[1] ?? []))]
}

/** Runs pkgs; once it polls for a browser approval, `user` approves it. A run that never asks just ends. */
export async function approvedRun(
  registry: NpmjsRegistry,
  user: string,
  args: string[],
  sandbox: Sandbox,
  opts: RunOptions = {},
): Promise<RunResult & { approvals: number; challenged: number }> {
  const since = registry.requests.length
  const run = runPkgs(args, sandbox, { timeoutMs: 60_000, ...opts })
  const settled = run.then(() => true)
  await Promise.race([until(() => registry.requests.slice(since).some((r) => r.path.startsWith('/-/v1/auth/done/'))), settled])
  if (registry.pendingWebOtps()) registry.completeWebOtp(user)
  const res = await run
  // writes the registry answered with its two-factor challenge (401)
  const challenged = registry.requests.slice(since).filter((r) => r.method !== 'GET' && r.status === 401).length
  return { ...res, approvals: approvalsPolled(registry, since).length, challenged }
}
