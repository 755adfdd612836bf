// The pkgs program: the global options, the commander program built from the command
// definitions (only the module of the command being run is loaded), and one error handler that
// turns every failure into a message, a hint and the documented exit code.
import { Argument, Command, CommanderError, Option } from 'commander'
import { Exit, PkgsError, usageError } from './core/errors.js'
import { explainError } from './core/explain.js'
import { logRequests } from './core/registry.js'
import { IO, Secrets, visible, type Streams } from './io/io.js'
import { examplesText, isGroup, type AnyCommand, type ArgumentSpec, type Definition, type OptionSpec } from './commands/command.js'
import { isPlanDocument, renderPlan } from './commands/changes.js'
import { Context, type GlobalOptions } from './commands/context.js'
import { commandModules } from './commands/index.js'

/** What a run reads and writes: the process's own streams, environment and folder, or (in the tests) ones of its own. */
export interface System extends Streams {
  cwd: string
}

/** One run's state, from argv to the exit code: several runs can share a process (the tests run many side by side). */
class Run {
  io?: IO
  verbose?: boolean
  exitCode: number = Exit.ok
  /** after a menu choice: the line that shows the command it ran */
  ranLine?: string
  /** registries already warned about in this run (the menu's command runs in a context of its own) */
  readonly warnedPlainHttp = new Set<string>()
  /** shared by every IO of the run: what the menu masked stays masked in its command */
  readonly secrets = new Secrets()
  /** what --verbose hooked up, undone when the run ends */
  stopLogging?: () => void
  constructor(readonly system: System) {}

  context(io: IO, options: GlobalOptions): Context {
    return new Context(io, options, this.system.cwd, this.system.env, this.warnedPlainHttp)
  }
}

function makeContext(cmd: Command, run: Run): Context {
  const all = cmd.optsWithGlobals() as Record<string, unknown>
  // an HTTP header cannot carry spaces or control characters; the value itself is never echoed
  if (all.otp !== undefined && !/^[\x21-\x7e]{1,64}$/.test(String(all.otp))) {
    throw usageError(
      'Invalid --otp: a one-time password is the code your authenticator app shows, such as 123456.',
      'Pass the code alone, without spaces: --otp 123456',
    )
  }
  const options: GlobalOptions = {
    registry: all.registry as string | undefined,
    json: Boolean(all.json),
    yes: Boolean(all.yes),
    otp: all.otp as string | undefined,
    verbose: Boolean(all.verbose),
    color: all.color !== false,
  }
  const io = new IO(run.system, options, run.secrets)
  run.io = io
  run.verbose = options.verbose
  if (options.verbose) run.stopLogging = logRequests((line) => io.debug(line))
  return run.context(io, options)
}

/** Options whose empty value means something ("no description"); any other empty value is a mistake. */
const mayBeEmpty = new Set(['description'])

/** `--scope ""` or `pkgs ls ""` (an unset shell variable, typically): a usage error, not "not given". */
function refuseEmptyValues(cmd: Command, args: unknown[]): void {
  const values = cmd.optsWithGlobals() as Record<string, unknown>
  for (let at: Command | null = cmd; at; at = at.parent) {
    const empty = at.options.find((o) => !mayBeEmpty.has(o.attributeName()) && values[o.attributeName()] === '')
    if (empty)
      throw usageError(`${empty.long} needs a value, and it was given an empty one.`, 'Is a shell variable unset? Give the value or leave the option out.')
  }
  if (args.flat().some((a) => a === '')) throw usageError('An argument is empty.', 'Is a shell variable unset? Give the value or leave the argument out.')
}

/** Print a command's result: the document with --json, its rendering otherwise; a failing result sets the exit code. */
function present(def: AnyCommand, ctx: Context, result: unknown, run: Run): void {
  const failure = def.failure?.(result)
  const error = failure instanceof PkgsError ? failure : undefined
  if (ctx.io.json)
    ctx.io.printJson(error ? { ...(result as object), error: { code: error.code, message: error.message, hint: error.hint } } : result, {
      unmasked: def.showsSecret,
    })
  else {
    // a dry run's plan reads the same for every command that writes; nothing to change is said as the command says it
    if (isPlanDocument(result) && result.changes.length && !def.rendersPlan?.(result)) renderPlan(result, ctx.io)
    else def.render?.(result, ctx.io)
    if (error) {
      ctx.io.info(`${ctx.io.err.red('error')} ${error.message}`)
      if (error.hint) ctx.io.hint(error.hint)
    }
  }
  run.exitCode = typeof failure === 'number' ? failure : error ? error.exitCode : Exit.ok
}

function addArgumentsAndOptions(cmd: Command, def: AnyCommand, run: Run): void {
  // the one place where commander's untyped values meet the definitions' types
  const specs: readonly ArgumentSpec[] = def.arguments ?? []
  for (const a of specs) {
    const name = `${a.name}${a.variadic ? '...' : ''}`
    const argument = new Argument(a.required ? `<${name}>` : `[${name}]`, a.description)
    cmd.addArgument(a.choices ? argument.choices(a.choices) : argument)
  }
  for (const [key, o] of Object.entries((def.options ?? {}) as Record<string, OptionSpec>)) {
    const option = new Option(o.flags, o.description)
    if (option.attributeName() !== key) throw new Error(`${def.name}: option ${o.flags} must be keyed ${option.attributeName()}`)
    if (o.choices) option.choices(o.choices)
    if (o.default !== undefined) option.default(o.default)
    if (o.hidden) option.hideHelp()
    cmd.addOption(option)
  }
  cmd.action(async (...commanderArgs: unknown[]) => {
    const command = commanderArgs[commanderArgs.length - 1] as Command
    const positional = commanderArgs.slice(0, -2)
    refuseEmptyValues(command, positional)
    const ctx = makeContext(command, run)
    const input: Record<string, unknown> = { ...command.opts() }
    specs.forEach((a, i) => (input[a.name] = positional[i]))
    present(def, ctx, await def.run(ctx, input), run)
  })
}

function helpAfter(def: Definition): string {
  const examples = [...def.examples, ...('json' in def && def.json ? [def.json] : [])]
  return examplesText(examples) + (def.notes ? `\n\n${def.notes}` : '')
}

function register(parent: Command, def: Definition, run: Run): void {
  const cmd = parent.command(def.name).description(def.description).addHelpText('after', helpAfter(def))
  if (!isGroup(def)) return addArgumentsAndOptions(cmd, def, run)
  if (def.default) addArgumentsAndOptions(cmd, def.default, run)
  for (const sub of def.commands) register(cmd, sub, run)
}

const globalsWithValue = new Set(['--registry', '--otp'])

const globalFlags = new Set(['--json', '-y', '--yes', '--verbose', '--no-color'])

/** Where the command's name is in argv (the first word that is not a global option or its value), or -1. */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') return -1
    if (globalsWithValue.has(arg)) i++
    else if (!arg.startsWith('-')) return i
  }
  return -1
}

/** True when argv names no command and only global options: the menu or the help. */
function hasNoCommand(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (globalsWithValue.has(arg)) i++
    // anything else (a command, -h, -V, an unknown option) is commander's to parse or refuse
    else if (!globalFlags.has(arg) && ![...globalsWithValue].some((g) => arg.startsWith(`${g}=`))) return false
  }
  return true
}

/** `--registry <url>` or `--registry=<url>` among the global options (the menu's commands use it). */
function registryIn(argv: string[]): string | undefined {
  let found: string | undefined
  argv.forEach((arg, i) => {
    if (arg === '--registry') found = argv[i + 1]
    else if (arg.startsWith('--registry=')) found = arg.slice('--registry='.length)
  })
  return found
}

const isVersionFlag = (a: string) => a === '--version' || a === '-V' || a.startsWith('--version=')

/** The definitions argv needs: the named command's alone, else all of them (help, suggestions, the command list). */
async function definitionsFor(argv: string[]): Promise<{ definitions: Definition[]; at: number }> {
  const at = commandIndex(argv)
  const names = Object.keys(commandModules)
  const chosen = at >= 0 && names.includes(argv[at]) ? [argv[at]] : names
  const definitions = await Promise.all(chosen.map(async (name) => (await commandModules[name]()).default))
  return { definitions, at }
}

/**
 * commander writes help and reads widths and colour support through these: the run's streams and
 * environment, where commander's defaults read the process's (its rules otherwise, useColor's).
 */
function outputOf(system: System) {
  const { env } = system
  type Stream = Streams['stdout'] & { columns?: number; hasColors?: () => boolean }
  // undefined off a terminal, as commander's own default (80 columns then), though its typing says number
  const width = (stream: Stream) => (stream.isTTY ? stream.columns : undefined) as number
  const forced =
    env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false' ? false : env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined ? true : undefined
  const hasColors = (stream: Stream) => forced ?? Boolean(stream.isTTY && stream.hasColors?.())
  return {
    writeOut: (text: string) => void system.stdout.write(text),
    writeErr: (text: string) => void system.stderr.write(text),
    outputError: () => {},
    getOutHelpWidth: () => width(system.stdout),
    getErrHelpWidth: () => width(system.stderr),
    getOutHasColors: () => hasColors(system.stdout),
    getErrHasColors: () => hasColors(system.stderr),
  }
}

function buildProgram(version: string, definitions: Definition[], run: Run, opts: { versionFlag: boolean }): Command {
  const program = new Command('pkgs').description('Scoped and private npm packages, end to end: scope, log in, publish privately, share, switch visibility.')
  // after a command's name, --version is that command's option (pkgs init --version 2.0.0)
  if (opts.versionFlag) program.version(version, '-V, --version', 'print the version')
  program
    .helpOption('-h, --help', 'show help with examples')
    .option('--registry <url>', 'use this registry (wins over every configured mapping)')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('-y, --yes', 'answer yes to confirmations')
    .addOption(new Option('--otp <code>', 'one-time password for registries that ask for one'))
    .option('--verbose', 'log each HTTP request to stderr (secrets redacted) and show stack traces')
    .option('--no-color', 'plain output (NO_COLOR and FORCE_COLOR are honoured too)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(outputOf(run.system))
  for (const def of definitions) register(program, def, run)
  program.addHelpText(
    'after',
    `
Examples:
  $ pkgs init --scope @acme          create ./package.json as @acme/<folder>, private
  $ pkgs login --scope @acme         log in to @acme's registry
  $ pkgs doctor                      check npm, the registry, the login and ./package.json
  $ pkgs whoami --scope @acme        who you are on @acme's registry
  $ pkgs share bob @acme/widgets     make bob an owner (a team: pkgs share @acme:devs …)
  $ pkgs                             on a terminal: a guided menu
  $ pkgs --json doctor | jq .ok      machine-readable output for scripts

Two-factor authentication: --otp <code>, or approve in the browser (also without a terminal:
the URL is printed and the approval awaited, at most 10 minutes); one approval per run.

Exit codes: 0 ok, 1 failed, 2 usage, 3 not logged in, 4 unsupported by the registry, 130 cancelled.`,
  )
  return program
}

function wantsJson(argv: string[]): boolean {
  return argv.includes('--json')
}

/** What a script gets from `pkgs --json` with no command: the commands, where a person gets the help. */
function commandList(cmd: Command): { commands: { name: string; usage: string; description: string }[] } {
  return { commands: cmd.commands.filter((c) => c.name() !== 'help').map((c) => ({ name: c.name(), usage: c.usage(), description: c.description() })) }
}

/** The commands argv names, outermost first: [team, ls] for `pkgs team ls @acme`. */
function commandPath(program: Command, argv: string[]): Command[] {
  const path: Command[] = []
  let at = program
  for (const word of argv.filter((a) => !a.startsWith('-'))) {
    const next = at.commands.find((c) => c.name() === word)
    if (!next) break
    path.push(next)
    at = next
  }
  return path
}

/** `pkgs team` without ls/create/…: commander has printed the group's help on stderr. */
function missingSubcommand(program: Command, argv: string[]): unknown {
  const path = commandPath(program, argv)
  const group = path[path.length - 1]
  const names = group ? commandList(group).commands.map((c) => c.name) : []
  const command = ['pkgs', ...path.map((c) => c.name())].join(' ')
  return usageError(`Name what \`${command}\` should do: ${names.join(', ')}.`, `Run \`${command} --help\` for what each one does.`)
}

function report(err: unknown, argv: string[], run: Run, program?: Command): number {
  // commander has printed the group's help on stderr; the error line after it says what is missing
  if (err instanceof CommanderError && err.code === 'commander.help' && err.exitCode !== 0 && program) err = missingSubcommand(program, argv)
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return Exit.ok
    const path = program ? commandPath(program, argv) : []
    const command = ['pkgs', ...path.map((c) => c.name())].join(' ')
    let message = err.message.replace(/^error: /, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    const group = path[path.length - 1]
    // `pkgs scope bogus`: commander counts a word after a group with its own action as an argument
    if (err.code === 'commander.excessArguments' && group?.commands.length) {
      const word = argv[argv.indexOf(group.name()) + 1]
      message = `unknown command '${word}' for \`${command}\`: ${commandList(group)
        .commands.map((c) => c.name)
        .join(', ')}`
    }
    const what = !group ? 'commands and options' : group.commands.length ? 'its commands' : 'its arguments and options'
    // npm's word for a private package is "restricted": the one wrong --access everyone tries first
    const privateAccess = err.code === 'commander.invalidArgument' && /'private'/.test(message) && /--access/.test(message)
    err = usageError(
      message.charAt(0).toUpperCase() + message.slice(1),
      privateAccess
        ? `A private package is --access restricted (npm's word for private): ${command} --access restricted`
        : `Run \`${command} --help\` for ${what}.`,
    )
  }
  const error = explainError(err)
  const { stdout, stderr } = run.system
  const json = run.io?.json ?? wantsJson(argv)
  if (error.code === 'ECANCELLED') {
    if (json) stdout.write(run.secrets.redact(JSON.stringify({ error: { code: error.code, message: error.message } }, null, 2)) + '\n')
    return error.exitCode
  }
  if (json) {
    stdout.write(
      run.secrets.redact(JSON.stringify({ error: { code: error.code, message: error.message, hint: error.hint, ...error.details } }, null, 2)) + '\n',
    )
  } else {
    const io = run.io ?? new IO(run.system, {}, run.secrets)
    io.info(`${io.err.red('error')} ${error.message}`)
    if (error.hint) io.hint(error.hint)
  }
  // a usage error's stack is only the argument checks': --verbose shows where other failures happened
  const verbose = run.verbose ?? argv.includes('--verbose')
  if (verbose && error.exitCode !== Exit.usage) {
    const cause = error.cause instanceof Error ? error.cause : error
    stderr.write(`${visible(run.secrets.redact(cause.stack ?? cause.message))}\n`)
  }
  return error.exitCode
}

/**
 * A reader that stops reading (`pkgs access --scope @acme | head -1`) has what it wanted: what
 * would have gone to a closed stdout is dropped without a word, and the command finishes, so
 * that a change over many packages is never left half-done because the reader stopped; its exit
 * code is its own (0 when all went well). A closed stderr only loses what would have been said
 * there.
 */
function ignoreClosedOutput(): void {
  const closed = (err: NodeJS.ErrnoException) => err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED'
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (!closed(err)) throw err
    })
  }
}

/** An argument as a POSIX shell reads it back: as it is when it can be, else in single quotes. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}

/** The command line a menu choice ran, to type next time; a one-time password given with it is masked. */
function commandLine(argv: string[]): string {
  const shown = argv.map((arg, i) => (argv[i - 1] === '--otp' ? '***' : arg.startsWith('--otp=') ? '--otp=***' : arg))
  return ['pkgs', ...shown].map(shellWord).join(' ')
}

/**
 * One run of pkgs: argv in, the exit code out. Without a system it is the process's own run
 * (src/cli.ts), which also answers for the process: a closed stdout, and a library that throws
 * inside a callback (npm-packlist on a "files" that is not a list), which would otherwise end the
 * process with a raw stack.
 */
export async function main(argv: string[], version: string, system?: System): Promise<number> {
  const run = new Run(system ?? { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() })
  // npm's -ws, a two-letter short flag that commander cannot declare
  argv = argv.map((arg) => (arg === '-ws' ? '--workspaces' : arg))
  let program: Command | undefined
  if (!system) {
    ignoreClosedOutput()
    const fail = (err: unknown) => process.exit(report(err, argv, run, program))
    process.on('uncaughtException', fail)
    process.on('unhandledRejection', fail)
  }
  try {
    if (hasNoCommand(argv)) {
      const io = new IO(run.system, { color: !argv.includes('--no-color') }, run.secrets)
      const all = await definitionsFor([])
      program = buildProgram(version, all.definitions, run, { versionFlag: true })
      if (wantsJson(argv)) {
        run.system.stdout.write(JSON.stringify(commandList(program), null, 2) + '\n')
        return Exit.ok
      }
      if (!io.canPrompt()) {
        program.outputHelp()
        return Exit.ok
      }
      run.io = io
      run.verbose = argv.includes('--verbose')
      const { chooseFromMenu } = await import('./commands/menu.js')
      const menuOptions: GlobalOptions = { registry: registryIn(argv), json: false, yes: false, verbose: false, color: !argv.includes('--no-color') }
      const chosen = await chooseFromMenu(run.context(io, menuOptions))
      if (!chosen.length) return Exit.ok
      argv = [...argv, ...chosen]
      // the choice ends with the command it ran (also when it failed: to run again once fixed)
      run.ranLine = io.err.dim(`Ran: ${run.secrets.redact(commandLine(argv))}`)
    }
    const { definitions, at } = await definitionsFor(argv)
    program = buildProgram(version, definitions, run, { versionFlag: at < 0 || !argv.slice(at + 1).some(isVersionFlag) })
    await program.parseAsync(argv, { from: 'user' })
    return ran(run, run.exitCode)
  } catch (err) {
    return ran(run, report(err, argv, run, program))
  } finally {
    run.stopLogging?.()
  }
}

/** The menu's `Ran: pkgs …` line once its command has finished (on stderr), unless it was cancelled. */
function ran(run: Run, code: number): number {
  if (run.ranLine && code !== Exit.cancelled) run.system.stderr.write(`${run.ranLine}\n`)
  return code
}
