/** Admin portal: live status of this server (refreshes itself every few seconds with htmx). */
import { html, type Raw } from '../server/http/html';
import { STATUS_CLASSES, type StatusSnapshot } from '../server/metrics';
import type { Verification } from '../server/features/admin/audit';
import { verificationPanel } from './admin-audit';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function uptime(sec: number): string {
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${sec % 60} s`;
}

/** `live`: the panel fetches itself every 5 s (off when the admin stops the updates: WCAG 2.2.2). */
export function statusPanel(s: StatusSnapshot, chain: Verification, live = true): Raw {
  const c = s.counters;
  const figure = (id: string, label: string, value: string | number) => html`<div class="figure"><dt id="${id}-l">${label}</dt><dd aria-labelledby="${id}-l" id="${id}">${value}</dd></div>`;
  return html`<section id="status-panel"${live ? html` hx-get="/admin/status/panel" hx-trigger="every 5s" hx-swap="outerHTML"` : ''}>
<dl class="figures">
${figure('st-users', 'Connected users', s.connectedUsers)}
${figure('st-conns', 'Open connections', s.connections)}
${figure('st-rooms', 'Active rooms (5 min)', s.activeRooms)}
${figure('st-calls', 'Active calls', s.activeCalls)}
${figure('st-rate', 'Messages in the last minute', s.messagesLastMinute)}
${figure('st-cpu', 'CPU (one core)', `${s.cpuPercent.toFixed(1)} %`)}
${figure('st-rss', 'Memory (resident)', mb(s.memory.rss))}
${figure('st-heap', 'JavaScript heap in use', mb(s.memory.heapUsed))}
${figure('st-store', 'Store', s.storeKind === 'sqlite' ? 'SQLite' : 'MongoDB')}
${figure('st-up', 'Up for', uptime(s.uptimeSec))}
</dl>
<h2>Since start</h2>
<dl class="figures small">
${STATUS_CLASSES.map((k) => figure(`st-http-${k}`, `HTTP ${k}`, c.http[k]))}
${figure('st-ws-open', 'WebSockets opened', c.wsOpened)}
${figure('st-ws-close', 'WebSockets closed', c.wsClosed)}
${figure('st-ws-frames', 'Frames received', c.wsFrames)}
${figure('st-msgs', 'Messages sent', c.messages)}
</dl>
<h2>Audit log</h2>
${verificationPanel(chain)}
</section>`;
}

export function statusBody(s: StatusSnapshot, chain: Verification, live = true): Raw {
  return html`<p class="hint">This server process only. Prometheus can scrape the same figures at <code>/metrics</code> (with the METRICS_TOKEN bearer token).</p>
<p>${live ? html`The figures update every 5 seconds. <a href="/admin/status?live=no">Stop updating</a>` : html`The figures do not update by themselves. <a href="/admin/status">Update every 5 seconds</a>`}</p>
${statusPanel(s, chain, live)}`;
}
