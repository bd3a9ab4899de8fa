/**
 * `splitee serve`: the cloud side over HTTP (src/node/server.ts) for one or more model folders.
 * Prints the bound address on its first line (so a script can read the ephemeral port), then
 * serves until SIGINT or SIGTERM.
 */
import { ArgumentError } from '../../tensor/errors.js';
import { loadModel } from '../models/load.js';
import { startServer } from '../server.js';
import { parseOptions } from './args.js';

const USAGE = `usage: splitee serve --model DIR [--model DIR ...] [options]

Serves POST /v1/models/{id}/resume, GET /v1/models and GET /healthz.

options:
  --model DIR        a model folder (config.json + model.safetensors); repeatable
  --host HOST        address to bind (default 127.0.0.1)
  --port N           port (default 0: an ephemeral port, printed at start)
  --body-limit B     largest request body in bytes (default: what the models need)
  --quiet            no per-request log lines
  --help             this text`;

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('serve', argv, {
    model: { type: 'string', multiple: true },
    host: { type: 'string' },
    port: { type: 'string' },
    'body-limit': { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dirs = values.model ?? [];
  if (dirs.length === 0) throw new ArgumentError(`serve: no model: got no --model, expected at least one model folder\n${USAGE}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new ArgumentError(`serve: invalid --port: got '${values.port}', expected an integer 0..65535`);
  const bodyLimit = values['body-limit'] === undefined ? undefined : Number(values['body-limit']);
  if (bodyLimit !== undefined && !(Number.isInteger(bodyLimit) && bodyLimit > 0)) throw new ArgumentError(`serve: invalid --body-limit: got '${values['body-limit']}', expected a positive integer`);
  const models = dirs.map((d) => loadModel(d));
  const server = await startServer({ models, host: values.host ?? '127.0.0.1', port, bodyLimit, log: values.quiet ? undefined : (line) => console.log(line) });
  console.log(`splitee serve: listening on ${server.url} (${models.map((m) => `${m.id} ${m.hash.slice(0, 12)}`).join(', ')})`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  console.log('splitee serve: stopped');
  return 0;
}
