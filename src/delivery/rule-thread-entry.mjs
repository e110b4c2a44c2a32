// Entry of the rule thread. A worker thread does not get the tsx loader of the main thread (neither
// the one `bin/leadhook.js` registers nor `--import tsx`), so it registers its own before loading the
// TypeScript body.
import { register } from 'tsx/esm/api';

register();
await import('./rule-thread.ts');
