// The built CLI under a real pseudo-terminal (Python's pty module): stdin, stdout and stderr are
// a TTY, so prompts appear; the test waits for text and types keys.
import { spawn } from 'node:child_process'
import { pkgsBin, processLogEnv, type Sandbox } from './sandbox.js'

// The child gets a sized terminal: a terminal that reports no width breaks spinners and prompts.
// When the test side goes away (stdin ends), the terminal hangs up, so no CLI waits forever.
// With PTY_STDERR_FILE set, the child's stderr goes to that file instead of the terminal.
const relay = `
import os, pty, sys, select, fcntl, termios, struct, signal
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 200, 0, 0))
    if os.environ.get('PTY_STDERR_FILE'):
        os.dup2(os.open(os.environ['PTY_STDERR_FILE'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
    os.execvp(sys.argv[1], sys.argv[1:])
stdin_open = True
while True:
    r, _, _ = select.select([fd] + ([0] if stdin_open else []), [], [])
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        os.write(1, data)
    if stdin_open and 0 in r:
        data = os.read(0, 65536)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False
            os.kill(pid, signal.SIGHUP)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`

export const keys = { enter: '\r', down: '\x1b[B', up: '\x1b[A', ctrlC: '\x03' }

export interface PtyRun {
  /** everything the terminal showed so far, without escape sequences */
  output(): string
  write(text: string): void
  /** resolves when the output (from `since` on) matches */
  waitFor(pattern: string | RegExp, opts?: { since?: number; timeoutMs?: number }): Promise<void>
  exit: Promise<number | null>
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\r/g, '')
}

const running = new Set<ReturnType<typeof spawn>>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export function runPkgsInPty(args: string[], sandbox: Sandbox, opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): PtyRun {
  // -I -S: the relay needs only the standard library; Python's site set-up (site-packages and their
  // .pth files) would cost each terminal run ~70 ms of CPU here
  const child = spawn('python3', ['-I', '-S', '-c', relay, process.execPath, pkgsBin, ...args], {
    cwd: opts.cwd ?? sandbox.cwd,
    env: { ...sandbox.env, TERM: 'xterm-256color', ...opts.env, ...processLogEnv() },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  running.add(child)
  let raw = ''
  const waiters = new Set<() => void>()
  const onData = (d: string) => {
    raw += d
    for (const check of waiters) check()
  }
  child.stdout.setEncoding('utf8').on('data', onData)
  child.stderr.setEncoding('utf8').on('data', onData)
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
  const exit = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      running.delete(child)
      for (const check of waiters) check()
      resolve(code)
    }),
  )
  const output = () => stripAnsi(raw)
  return {
    output,
    exit,
    write: (text) => void child.stdin.write(text),
    waitFor(pattern, { since = 0, timeoutMs = 15_000 } = {}) {
      const matches = () => {
        const text = output().slice(since)
        return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)
      }
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`waited ${timeoutMs} ms for ${String(pattern)}; the terminal shows:\n${output()}`))
        }, timeoutMs)
        const check = () => {
          if (matches()) {
            clearTimeout(t)
            waiters.delete(check)
            resolve()
          } else if (child.exitCode !== null) {
            clearTimeout(t)
            waiters.delete(check)
            reject(new Error(`exited (${child.exitCode}) before ${String(pattern)}; the terminal shows:\n${output()}`))
          }
        }
        waiters.add(check)
        check()
      })
    },
  }
}
