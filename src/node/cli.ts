/**
 * `splitee <command> [options]`: the command-line front end. Each command lives in
 * src/node/commands/<name>.ts and exports `run(argv): Promise<number>` (the exit code); it is
 * imported only when invoked, so one command's dependencies never slow another's start.
 */
import { pathToFileURL } from 'node:url';
import { SpliteeError } from '../tensor/errors.js';

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  run: { summary: 'the main job: stream samples split live between this device and a cloud server', load: () => import('./commands/run.js') },
  claims: { summary: "check the paper's claim on a model: every stream, SplitEE(-S) vs the final layer, sweeps, measured costs", load: () => import('./commands/claims.js') },
  replay: { summary: 'replay a policy over a trace CSV: accuracy, cost, offloads, regret', load: () => import('./commands/replay.js') },
  sweep: { summary: 'replay policies over offload costs; write CSV, Markdown and SVG plots', load: () => import('./commands/sweep.js') },
  serve: { summary: 'serve models over HTTP: the cloud side of split inference', load: () => import('./commands/serve.js') },
  demo: { summary: "a page whose device side runs in the browser, offloading to this process's cloud", load: () => import('./commands/demo.js') },
  trace: { summary: "run a model's exits over a data set; write the trace CSV and per-exit accuracy", load: () => import('./commands/trace.js') },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: splitee <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun \`splitee <command> --help\` for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`splitee: unknown command: got '${name}', expected one of ${Object.keys(commands).join(', ')}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (err) {
    const line = errorLine(name, err);
    if (line === null) throw err; // a bug: keep the stack
    console.error(line);
    return 1;
  }
}

/**
 * The one line printed for an error a user can act on: the project's named errors, and a system
 * error of the file system (ENOSPC, EACCES, ENOTDIR... with the path it names) that escaped
 * unwrapped. null for anything else (a bug), whose stack is worth seeing.
 */
export function errorLine(command: string, err: unknown): string | null {
  if (err instanceof SpliteeError) {
    // a message that already names the command ('run: unknown option: ...') is not prefixed twice
    return err.message.startsWith(`${command}: `) ? `splitee ${err.message}` : `splitee ${command}: ${err.message}`;
  }
  const e = err as NodeJS.ErrnoException;
  if (e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string' && typeof e.path === 'string') {
    return `splitee ${command}: ${e.syscall} failed: got '${e.path}' (${e.code}), expected a path this process can use`;
  }
  return null;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
