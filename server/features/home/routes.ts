import { Elysia } from 'elysia';
import type { AppContext } from '../../deps';
import { sendHtml } from '../../http/respond';
import { layout } from '../../../views/layout';
import { homePage } from '../../../views/home';
import { viewerPlugin } from '../accounts/guard';

export function homeRoutes(app: AppContext) {
  return new Elysia({ name: 'home' }).use(viewerPlugin(app)).get('/', async ({ set, requireUser }) => {
    const { user } = await requireUser();
    return sendHtml(set, layout({ title: 'Home', body: homePage(user), asset: app.assets.url }));
  });
}
