// `npm start`: the whole template on this machine. Stand-ins for AWS, Atlas, Okta, the OpenID
// Provider and MongoDB on 127.0.0.1; config/dev.yaml reconciled against them by the gitops CLI;
// the service built, deployed into the Lambda stand-in and served on http://localhost:8000.
// `npm start -- --help` lists the options. Ctrl-C stops everything; a second Ctrl-C exits at once.
import { fileURLToPath } from 'node:url';
import { main } from './local-stack/main.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

let requestStop: () => void = () => {};
const stopRequested = new Promise<void>((resolve) => {
  requestStop = resolve;
});
let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(`${signal} again: exiting without waiting for a clean stop\n`);
      process.exit(130);
    }
    requestStop();
  });
}

const exitCode = await main({
  argv: process.argv.slice(2),
  root,
  write: (text) => void process.stdout.write(text),
  color: process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '',
  stopRequested,
});
process.exit(exitCode);
