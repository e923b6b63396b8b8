// Entry of the drift action's bundle.
import { run } from './run.ts';

await run();
