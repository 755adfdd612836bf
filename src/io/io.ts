// Terminal I/O: results on stdout, everything else on stderr; colour and spinners only on a TTY;
// prompts only through canPrompt(), so nothing ever waits for input without a terminal.
import { Chalk, type ChalkInstance } from 'chalk'
import { cancelledError, usageError } from '../core/errors.js'

/**
 * A run's secrets (a configured token or password, a one-time password, a token or password read
 * from stdin or typed), whatever their shape: `***` in every line the run writes, even where a
 * registry quotes one back. One per run, not per process: the tests run many runs in one.
 */
export class Secrets {
  readonly #known = new Set<string>()

  /** From now on this value is masked. Values shorter than 6 characters are left alone: they would mask ordinary words. */
  add(value: unknown): void {
    if (typeof value !== 'string' || value.length < 6) return
    this.#known.add(value)
    const encoded = encodeURIComponent(value)
    if (encoded !== value) this.#known.add(encoded)
  }

  /**
   * The text as npm masks its logs, and this run's secrets masked: a registry URL may carry a
   * user name and password (`https://user:pass@host/`), and URLs are named in messages, hints,
   * JSON and stacks. Our own two patterns: @npmcli/redact's redactLog only masks a URL that
   * starts a word, so it misses one in quotes or brackets ("http://…", (http://…)).
   */
  redact(text: string): string {
    for (const secret of this.#known) if (text.includes(secret)) text = text.split(secret).join('***')
    if (!text.includes('@') && !text.includes('_')) return text
    return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@"'()<>]*):[^\s/@"'()<>]+@/gi, '$1:***@').replace(/\bnpms?_[a-zA-Z0-9]{36,48}\b/g, 'npm_***')
  }
}

/** The colours chalk writes (SGR: ESC [ … m): kept when colour is on, as they are ours. */
const controls = /\x1b\[[0-9;]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g

/**
 * Every text line pkgs writes shows control characters as escapes (`\u001b`), so that a name,
 * value or registry answer that carries one (an escape sequence, a bell, a carriage return) cannot
 * move the cursor, retitle or clear the terminal, or hide what came before on the line. Newlines
 * and tabs stay; colours stay when they are on (with --no-color, NO_COLOR or in a pipe, none are ours).
 */
export function visible(text: string, keepColour = false): string {
  return text.replace(controls, (m) =>
    m.length > 1 && keepColour ? m : m.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  )
}

export interface Streams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
}

export interface IOOptions {
  json?: boolean
  verbose?: boolean
  /** false with --no-color */
  color?: boolean
}

export interface Choice<T> {
  name: string
  value: T
  description?: string
  /** shown, dimmed and not selectable, with this reason after its name */
  disabled?: string
}

export interface Spinner {
  update(text: string): void
  succeed(text?: string): void
  fail(text?: string): void
  stop(): void
}

function colorLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, wanted: boolean | undefined): 0 | 1 | 2 | 3 {
  if (wanted === false || 'NO_COLOR' in env) return 0
  const force = env.FORCE_COLOR
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0
    const n = Number(force)
    return n >= 1 && n <= 3 ? (n as 1 | 2 | 3) : 1
  }
  if (!stream.isTTY || env.TERM === 'dumb') return 0
  return env.COLORTERM === 'truecolor' ? 3 : 2
}

/**
 * How to open a URL, as npm's open-url does with its `browser` setting: false (or BROWSER=none)
 * never; a command, that command; true, the system's opener. Unset, a BROWSER command is used
 * (as xdg-open and sensible-browser do), else the system's opener where there is a graphical
 * session. `{ open: false }`: print the URL only.
 */
function browserCommand(env: NodeJS.ProcessEnv, setting: unknown): { open: boolean; command?: string } {
  if (setting === false || env.BROWSER === 'none' || (setting === undefined && /^false$/i.test(env.npm_config_browser ?? ''))) return { open: false }
  if (typeof setting === 'string' && setting) return { open: true, command: setting }
  if (setting !== true && env.BROWSER) return { open: true, command: env.BROWSER }
  if (process.platform === 'darwin' || process.platform === 'win32') return { open: true }
  return { open: Boolean(env.DISPLAY || env.WAYLAND_DISPLAY) }
}

function isPromptExit(err: unknown): boolean {
  const name = (err as { name?: string })?.name
  return name === 'ExitPromptError' || name === 'AbortPromptError'
}

export class IO {
  readonly json: boolean
  readonly verbose: boolean
  /** colours for stdout */
  readonly out: ChalkInstance
  /** colours for stderr */
  readonly err: ChalkInstance
  readonly streams: Streams

  constructor(
    streams: Streams,
    opts: IOOptions = {},
    readonly secrets = new Secrets(),
  ) {
    this.streams = streams
    this.json = opts.json ?? false
    this.verbose = opts.verbose ?? false
    this.out = new Chalk({ level: colorLevel(streams.stdout, streams.env, opts.color) })
    this.err = new Chalk({ level: colorLevel(streams.stderr, streams.env, opts.color) })
  }

  /** Prompting is allowed only when a person is at a terminal: stdin and stdout TTYs, CI unset. */
  canPrompt(): boolean {
    return Boolean(this.streams.stdin.isTTY && this.streams.stdout.isTTY && !this.streams.env.CI)
  }

  /** Why nothing can be asked, for messages: a person at a terminal with CI set wonders otherwise. */
  noPromptReason(): string {
    return this.streams.stdin.isTTY && this.streams.stdout.isTTY && this.streams.env.CI ? 'CI is set, so nothing is asked' : 'no terminal to ask on'
  }

  /** tables and colours for a person reading stdout */
  get isStdoutTTY(): boolean {
    return Boolean(this.streams.stdout.isTTY)
  }

  get isStderrTTY(): boolean {
    return Boolean(this.streams.stderr.isTTY)
  }

  /** A result line on stdout (suppressed with --json: the document is the result). */
  print(line = ''): void {
    if (!this.json) this.streams.stdout.write(visible(this.secrets.redact(line), this.out.level > 0) + '\n')
  }

  /** The one document on stdout; `unmasked` only for a secret the user asked to see (a new token). */
  printJson(doc: unknown, { unmasked = false } = {}): void {
    const text = JSON.stringify(doc, null, 2)
    this.streams.stdout.write((unmasked ? text : this.secrets.redact(text)) + '\n')
  }

  /** A secret the user asked for (a new token), alone on stdout, exactly once. */
  printSecret(secret: string): void {
    if (!this.json) this.streams.stdout.write(secret + '\n')
  }

  info(line: string): void {
    this.streams.stderr.write(visible(this.secrets.redact(line), this.err.level > 0) + '\n')
  }

  success(line: string): void {
    this.info(`${this.err.green('✔')} ${line}`)
  }

  warn(line: string): void {
    this.info(`${this.err.yellow('warning')} ${line}`)
  }

  hint(line: string): void {
    this.info(`${this.err.dim('hint:')} ${line}`)
  }

  debug(line: string): void {
    if (this.verbose) this.info(this.err.dim(line))
  }

  /** A spinner on stderr when it is a TTY; otherwise nothing (no escape codes in logs). */
  async spinner(text: string): Promise<Spinner> {
    // ora redraws forever on a terminal that reports no width (a pty nobody sized)
    if (!this.isStderrTTY || this.json || !(this.streams.stderr as { columns?: number }).columns) {
      return { update() {}, succeed: (t) => t && this.success(t), fail() {}, stop() {} }
    }
    const { default: ora } = await import('ora')
    // ora's discardStdin puts the terminal in raw mode without reading it, which swallows Ctrl-C
    const s = ora({ text: visible(this.secrets.redact(text)), stream: this.streams.stderr, color: 'cyan', discardStdin: false }).start()
    return {
      update: (t) => void (s.text = visible(this.secrets.redact(t))),
      succeed: (t) => void s.succeed(t && visible(this.secrets.redact(t))),
      fail: (t) => void s.fail(t && visible(this.secrets.redact(t))),
      stop: () => void s.stop(),
    }
  }

  /**
   * Send a person to a URL (web login, web 2FA): always print it; open a browser only when a
   * person is at a terminal (with npm's `browser` setting, else BROWSER, else the system's
   * opener in a graphical session), and never wait for the browser.
   */
  async sendToUrl(message: string, url: string, browser?: unknown): Promise<void> {
    this.info(`${message}\n  ${this.err.cyan.underline(url)}`)
    const how = browserCommand(this.streams.env, browser)
    if (!this.canPrompt() || !how.open) return
    const { default: promiseSpawn } = await import('@npmcli/promise-spawn')
    promiseSpawn
      .open(url, { stdio: 'ignore', ...(how.command ? { command: how.command } : {}) })
      .catch(() => this.hint('Could not open a browser: open the URL above yourself.'))
  }

  /** Fail with the flag to pass when no one can answer a prompt. */
  requirePrompt(flagHint: string, what: string): void {
    if (!this.canPrompt()) throw usageError(`${what}: ${this.noPromptReason()}.`, flagHint)
  }

  /** Prompts draw on stdout, except with --json, whose stdout holds only the document. */
  private context() {
    return { input: this.streams.stdin, output: this.json ? this.streams.stderr : this.streams.stdout, clearPromptOnDone: false } as const
  }

  private async ask<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      if (isPromptExit(err)) throw cancelledError()
      throw err
    }
  }

  async confirm(message: string, defaultValue = false): Promise<boolean> {
    const { confirm } = await import('@inquirer/prompts')
    return this.ask(() => confirm({ message: this.secrets.redact(message), default: defaultValue }, this.context()))
  }

  async input(message: string, opts: { default?: string; validate?: (v: string) => true | string } = {}): Promise<string> {
    const { input } = await import('@inquirer/prompts')
    return this.ask(() => input({ message: this.secrets.redact(message), default: opts.default, validate: opts.validate }, this.context()))
  }

  /** A secret piped in (a token, a password): all of stdin, cut to what `clean` keeps, masked from now on. */
  async secretFromStdin(clean: (text: string) => string): Promise<string> {
    let text = ''
    this.streams.stdin.setEncoding('utf8')
    for await (const chunk of this.streams.stdin) text += chunk
    const secret = clean(text)
    this.secrets.add(secret)
    return secret
  }

  async password(message: string): Promise<string> {
    const { password } = await import('@inquirer/prompts')
    const answer = await this.ask(() => password({ message: this.secrets.redact(message), mask: '*' }, this.context()))
    this.secrets.add(answer)
    return answer
  }

  /** A one-time password: submits by itself at six digits; Enter submits a recovery code. */
  async otp(message: string): Promise<string> {
    const { createPrompt, useState, useKeypress, usePrefix, isEnterKey } = await import('@inquirer/core')
    const prompt = createPrompt<string, { message: string }>((config, done) => {
      const [value, setValue] = useState('')
      const [status, setStatus] = useState<'idle' | 'done'>('idle')
      const prefix = usePrefix({ status })
      useKeypress((key, rl) => {
        const line = rl.line.trim()
        if (isEnterKey(key)) {
          if (!line) return
          setStatus('done')
          done(line)
          return
        }
        setValue(rl.line)
        if (/^\d{6}$/.test(line)) {
          setStatus('done')
          done(line)
        }
      })
      return `${prefix} ${config.message} ${status === 'done' ? '******' : value}`
    })
    return this.ask(() => prompt({ message: this.secrets.redact(message) }, this.context()))
  }

  async select<T>(message: string, choices: Choice<T>[], defaultValue?: T): Promise<T> {
    const { select } = await import('@inquirer/prompts')
    return this.ask(() =>
      select<T>(
        {
          message: this.secrets.redact(message),
          choices: choices.map((c) => ({ ...c, name: this.secrets.redact(c.name), ...(c.disabled ? { disabled: this.secrets.redact(c.disabled) } : {}) })),
          default: defaultValue,
        },
        this.context(),
      ),
    )
  }
}
