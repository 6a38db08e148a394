/**
 * The check every WebSocket endpoint makes at upgrade: a same-site Origin (browsers always send
 * one on WebSocket upgrades, so a missing Origin is not a browser of ours) and a session. Refusals
 * are plain HTTP answers: 403 or 401. A user who still has to choose a password is let through and
 * closed with 4401 on open, which our clients answer by going to the sign-in page.
 */
import type { Config } from '../config';
import type { Viewer } from '../features/accounts/guard';
import { isCrossSite } from './context';

interface UpgradeContext {
  request: Request;
  set: { status?: number | string };
  viewer: () => Promise<Viewer | null>;
}

export function upgradeGuard(config: Config) {
  return async ({ request, set, viewer }: UpgradeContext) => {
    if (isCrossSite(config, request) || !request.headers.get('origin')) {
      set.status = 403;
      return 'Cross-site WebSocket refused.';
    }
    if (!(await viewer())) {
      set.status = 401;
      return 'Please sign in.';
    }
  };
}
