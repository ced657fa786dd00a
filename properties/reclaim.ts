// Progress of migration against memory given to a protected guest (docs/designs-and-flaws.md
// L-Migrate, F25): a migration attempt must end, by completing or by failing definitively,
// rather than retry forever a reclaim the hypervisor refuses. Judged on the explored graph,
// so it is kept out of the model's property list until the graph judge reports it.
import { eventually, type Property } from '../src/index.js';

/**
 * F25 (models/pkvm-share.ts): once the migrator has started (it is not idle), it eventually
 * commits or gives up. Weak fairness on the migrator's own steps; the guest's decisions
 * (relinquish, death) are not fair, since the guest may hold its memory for its lifetime.
 * Expected: notifier-retries violated (lasso: migRetry EBUSY forever), every other variant
 * holds (unmovable folios fail at once with EINVAL; an ignored refusal commits).
 */
export const migrationAttemptEnds = (): Property =>
  eventually(
    'migration-attempt-ends',
    'a started migration eventually completes or fails definitively (L-Migrate, F25)',
    { step: (s) => s.actor === 'migrator' && (s.type === 'migCommit' || s.type === 'migAbort') },
    { after: (w) => !w.get('migrator').matches('idle'), fair: ['migRetry', 'migCommit', 'migAbort'] },
  );
