// Entry of the billing action's bundle.
import { run } from './run.ts';

await run();
