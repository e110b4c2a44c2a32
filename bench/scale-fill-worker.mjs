// Worker-thread entry for bench/scale-fill-worker.ts: a worker does not inherit `--import tsx`.
import { register } from 'tsx/esm/api';

register();
await import('./scale-fill-worker.ts');
