// Entry of the plan action's bundle.
import { run } from './run.ts';

await run();
