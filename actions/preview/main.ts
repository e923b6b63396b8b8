// Entry of the preview action's bundle.
import { run } from './run.ts';

await run();
