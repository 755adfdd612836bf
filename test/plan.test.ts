// The change engine and its pacing, in-process against stub changes (no server): dependency
// order, concurrency, the plan's order of outcomes, what a failure stops, and how a registry's
// 429 or 503 is waited out, retried and slows the run down before it speeds up again.
import { describe, expect, it } from 'vitest'
import { RegistryError } from '../src/core/errors.js'
import { Pacer, retryAfterMs, type Clock } from '../src/core/pacing.js'
import { applyPlan, changeLine, itemError, Pacers, planSummary, type Change } from '../src/core/plan.js'

const registry = 'https://npm.acme.dev/'

/** A clock whose sleeps pass at once, adding up the time they would have taken. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 1_000_000
  const slept: number[] = []
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms)
      now += ms
    },
  }
}

const pacers = (clock: Clock = fakeClock()) => new Pacers(() => new Pacer({ minTimeout: 100, factor: 2, maxTimeout: 1000 }, clock))

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms))

function answered(status: number, retryAfter?: string): RegistryError {
  return new RegistryError({ status, code: `E${status}`, method: 'POST', headers: retryAfter ? { 'retry-after': retryAfter } : {} }, { registry })
}

/** A change that records when it ran, and fails as told. */
function change(target: string, log: string[], opts: { after?: Change[]; fails?: unknown; ms?: number } = {}): Change<string> {
  return {
    kind: 'team-member',
    target,
    action: 'add',
    to: 'bob',
    registry,
    after: opts.after,
    async apply() {
      log.push(`start ${target}`)
      await tick(opts.ms ?? 1)
      log.push(`end ${target}`)
      if (opts.fails) throw opts.fails
      return target
    },
  }
}

describe('applying a plan', () => {
  it('starts a change only after those it waits for, reports in the plan order, and never runs more than the width at once', async () => {
    const log: string[] = []
    const team = change('@acme:devs', log, { ms: 20 })
    const members = ['a', 'b', 'c', 'd'].map((u) => change(`@acme:devs ${u}`, log, { after: [team], ms: 5 }))
    const other = change('@acme/other', log, { ms: 1 })
    const reported: string[] = []
    let inFlight = 0
    let most = 0
    const counted = [team, ...members, other].map((c) => ({
      ...c,
      apply: async () => {
        most = Math.max(most, ++inFlight)
        try {
          return await c.apply()
        } finally {
          inFlight--
        }
      },
    }))
    // the members wait for the copy of the team that is applied
    counted.slice(1, 5).forEach((m) => (m.after = [counted[0]]))
    const run = await applyPlan(counted, { width: 2, pacers: pacers(), onApplied: (c) => reported.push(c.target) })
    expect(run.outcomes.map((o) => o.value)).toEqual(counted.map((c) => c.target))
    expect(reported).toEqual(counted.map((c) => c.target))
    for (const m of members) expect(log.indexOf(`start ${m.target}`)).toBeGreaterThan(log.indexOf('end @acme:devs'))
    // independent of the team, the other change did not wait for it
    expect(log.indexOf('end @acme/other')).toBeLessThan(log.indexOf('end @acme:devs'))
    expect(most).toBe(2)
  })

  it('does not attempt what waits for a failed change, goes on with the rest, and stops at a failure that would fail them all', async () => {
    const log: string[] = []
    const owner = change('@acme/a owner carol', log, { fails: answered(500) })
    const leaving = change('@acme/a owner -alice', log, { after: [owner] })
    const then = change('@acme/a then', log, { after: [leaving] })
    const independent = change('@acme/b owner carol', log)
    const run = await applyPlan([owner, leaving, then, independent], { width: 4, pacers: pacers() })
    expect(log).not.toContain('start @acme/a owner -alice')
    expect(run.outcomes[1]).toMatchObject({ skipped: true, blockedBy: owner })
    expect(itemError(run.outcomes[2])).toMatchObject({ code: 'ESKIPPED', message: 'Not attempted: @acme/a owner carol (team-member) failed first.' })
    expect(run.outcomes[3].value).toBe('@acme/b owner carol')
    expect(run.stoppedBy).toBeUndefined()

    const stopLog: string[] = []
    const first = change('p1', stopLog, { fails: answered(401) })
    const rest = ['p2', 'p3', 'p4'].map((t) => change(t, stopLog))
    const stopped = await applyPlan([first, ...rest], { width: 1, pacers: pacers() })
    expect(stopped.stoppedBy?.code).toBe('E401')
    expect(stopLog).toEqual(['start p1', 'end p1'])
    expect(stopped.outcomes.slice(1).every((o) => o.skipped)).toBe(true)
  })

  it('refuses a plan whose changes wait for each other, before anything is sent', async () => {
    const log: string[] = []
    const a = change('a', log)
    const b = change('b', log, { after: [a] })
    a.after = [b]
    await expect(applyPlan([a, b], { width: 2, pacers: pacers() })).rejects.toMatchObject({
      code: 'EUSAGE',
      message: expect.stringContaining('a team-member → b team-member'),
    })
    expect(log).toEqual([])
  })

  it('reads as a plan: + add, - remove, ~ change, and a summary', () => {
    const doc = (action: Change['action'], from?: string, to?: string) => ({ kind: 'access' as const, target: '@acme/a', action, from, to })
    expect(changeLine(doc('change', 'public', 'private'))).toBe('~ @acme/a access public → private')
    expect(changeLine({ ...doc('add', undefined, 'bob'), kind: 'owner' })).toBe('+ @acme/a owner bob')
    expect(changeLine({ ...doc('remove', 'read-only'), kind: 'grant' })).toBe('- @acme/a grant read-only')
    expect(planSummary([doc('change'), doc('add'), doc('add')])).toBe('3 changes (2 to add, 1 to change).')
    expect(planSummary([])).toBe('Nothing to change.')
  })
})

describe('a registry that pushes back', () => {
  it("waits for Retry-After (seconds or a date), else backs off as npm's fetch-retry settings say, and retries writes too", async () => {
    const clock = fakeClock()
    const pacer = new Pacer({ minTimeout: 100, factor: 2, maxTimeout: 1000 }, clock)
    const answers = [answered(429, '3'), answered(503), answered(429), answered(429), answered(429), answered(429)]
    let calls = 0
    const value = await pacer.run(async () => {
      const answer = answers[calls++]
      if (answer) throw answer
      return 'done'
    }, 4)
    expect(value).toBe('done')
    expect(calls).toBe(7)
    // Retry-After 3 s, then 100, 200, 400, 800 ms and the most, 1000
    expect(clock.slept).toEqual([3000, 100, 200, 400, 800, 1000])
    expect(pacer.held).toEqual({ waitedMs: 5500, pushbacks: 6 })
    expect(retryAfterMs(new Date(clock.now() + 2000).toUTCString(), clock.now())).toBeLessThanOrEqual(2000)
  })

  it('lets any other failure through at once, and a Retry-After longer than five minutes too', async () => {
    const pacer = new Pacer({ minTimeout: 100, factor: 2, maxTimeout: 1000 }, fakeClock())
    await expect(pacer.run(() => Promise.reject(answered(500)), 2)).rejects.toMatchObject({ status: 500 })
    await expect(pacer.run(() => Promise.reject(answered(429, '3600')), 2)).rejects.toMatchObject({ status: 429 })
    expect(pacer.held.pushbacks).toBe(0)
  })

  it('lowers the concurrency of the whole run while pushed back, then raises it again', async () => {
    const pacer = new Pacer({ minTimeout: 1, factor: 1, maxTimeout: 1 })
    let inFlight = 0
    // how many were in flight at each start, in the order they started
    const peaks: number[] = []
    let pushedBack = 0
    const request = (i: number) =>
      pacer.run(async () => {
        peaks.push(++inFlight)
        await tick(2)
        inFlight--
        // the first wave is refused: every request then goes at a lower width
        if (i < 8 && pushedBack < 8) {
          pushedBack++
          throw answered(429)
        }
        return i
      }, 8)
    const values = await Promise.all(Array.from({ length: 80 }, (_, i) => request(i)))
    expect(values).toEqual(Array.from({ length: 80 }, (_, i) => i))
    // the first wave, then its 8 retries and 16 more at a lower width
    expect(peaks.slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(Math.max(...peaks.slice(8, 32))).toBeLessThan(8)
    // recovered: the last requests go at the full width again
    expect(Math.max(...peaks.slice(-16))).toBe(8)
  })
})
