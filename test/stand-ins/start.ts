// The `npm start` launcher. For now it serves the service on http://localhost:8000; the stand-ins
// for AWS, Atlas and Okta join here as they are built.
import { serveLocally } from '../../service/src/local.ts';

const stop = await serveLocally();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stop().then(() => process.exit(0)));
}
