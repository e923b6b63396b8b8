// Entry of the apply action's bundle.
import { run } from './run.ts';

await run();
