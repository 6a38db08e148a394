/** What createApp needs. main.ts builds the real ones; tests build them with an in-memory store. */
import type { Config } from './config';
import type { Logger } from './log';
import type { Secrets } from './secrets';
import type { Store } from './store/types';
import type { Assets } from './http/assets';
import type { AuthContext } from './features/accounts/auth';
import type { LimiterFactory } from './lib/sliding-window';

export interface Deps {
  config: Config;
  store: Store;
  logger: Logger;
  secrets: Secrets;
  assets: Assets;
  /** Rate limiters (sign-in, chat sends): in memory by default, shared through Redis with REDIS_URL. */
  limiters?: LimiterFactory;
}

/** Everything that lives for the app's lifetime and is derived from Deps once. */
export interface AppContext extends Deps {
  auth: AuthContext;
}
