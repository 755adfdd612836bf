// The shape of every command: a definition (name, typed arguments and options, help, the JSON
// document) with a run function that returns a result and a render function that prints it.
// program.ts turns definitions into commander commands; a command file holds nothing else.
import type { PkgsError } from '../core/errors.js'
import type { IO } from '../io/io.js'
import type { Context } from './context.js'

export interface ArgumentSpec {
  name: string
  description: string
  required?: boolean
  variadic?: boolean
  choices?: readonly string[]
}

export interface OptionSpec {
  /** commander's flags: `--scope <scope>` takes a value, `--dry-run` is a switch */
  flags: string
  description: string
  default?: string
  choices?: readonly string[]
  /** kept working, left out of --help (an old spelling) */
  hidden?: boolean
}

type ArgumentValue<S extends ArgumentSpec> = S extends { variadic: true }
  ? string[]
  : (S extends { choices: readonly (infer C)[] } ? C : string) | (S extends { required: true } ? never : undefined)

type OptionValue<S extends OptionSpec> = S['flags'] extends `${string}...>${string}`
  ? string[] | undefined
  : S['flags'] extends `${string}<${string}>${string}`
    ? (S extends { choices: readonly (infer C)[] } ? C : string) | (S extends { default: string } ? never : undefined)
    : boolean | undefined

/** What run() gets: each argument under its name, each option under its key, typed from the specs. */
export type Input<A extends readonly ArgumentSpec[], O extends Record<string, OptionSpec>> = { [S in A[number] as S['name']]: ArgumentValue<S> } & {
  [K in keyof O]: OptionValue<O[K]>
}

export type Example = [command: string, what: string]

export interface CommandDefinition<
  A extends readonly ArgumentSpec[] = readonly ArgumentSpec[],
  O extends Record<string, OptionSpec> = Record<string, OptionSpec>,
  R = unknown,
> {
  name: string
  description: string
  arguments?: A
  /** keyed by commander's attribute name of the flag (`--read-only` is readOnly) */
  options?: O
  examples: Example[]
  /** the --json document: an example command and the document's shape */
  json?: Example
  /** paragraphs after the examples in --help */
  notes?: string
  /** the result holds a secret the user asked for (a new token): its --json document is printed unmasked, once */
  showsSecret?: boolean
  run(ctx: Context, input: Input<A, O>): Promise<R>
  /** the result as text on a terminal or in a pipe (with --json the result itself is printed) */
  render?(result: NoInfer<R>, io: IO): void
  /** whether render() shows this dry run's plan itself (publish's summary, policy's groups) in place of the plan's lines */
  rendersPlan?(result: NoInfer<R>): boolean
  /**
   * A result that is also a failure: the error to end with (in --json, the document's "error"),
   * or only an exit code when the result already says it all (doctor's checklist).
   */
  failure?(result: NoInfer<R>): PkgsError | number | undefined
}

/** A command with commands under it (`pkgs team ls`), which may also run by itself (`pkgs scope`). */
export interface GroupDefinition {
  name: string
  description: string
  examples: Example[]
  notes?: string
  commands: AnyCommand[]
  /** what the group does without a subcommand; without it, naming one is required */
  default?: AnyCommand
}

// definitions of different inputs in one list: each is checked where it is defined
export type AnyCommand = CommandDefinition<any, any, any>

export type Definition = AnyCommand | GroupDefinition

export function isGroup(def: Definition): def is GroupDefinition {
  return 'commands' in def
}

/** Identity, for inference: the arguments' and options' literal types give run() its typed input. */
export function defineCommand<const A extends readonly ArgumentSpec[] = [], const O extends Record<string, OptionSpec> = {}, R = unknown>(
  def: CommandDefinition<A, O, R>,
): CommandDefinition<A, O, R> {
  return def
}

export function defineGroup(def: GroupDefinition): GroupDefinition {
  return def
}

/** The examples block every command's --help ends with. */
export function examplesText(lines: Example[]): string {
  const width = Math.max(...lines.map(([c]) => c.length))
  return '\nExamples:\n' + lines.map(([c, what]) => `  $ ${c.padEnd(width)}  ${what}`).join('\n')
}
