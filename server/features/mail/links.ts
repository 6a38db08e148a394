/**
 * The addresses an email about missed messages links to, and the signed token of its "stop these
 * emails" link, which works without signing in (a phone's mail app has no session; RFC 8058
 * one-click unsubscribe posts to it). The token is an HMAC of the user id under the server's
 * secret with a purpose prefix, so it is good for this one thing only: turning her emails off.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MailLinks } from './message';

const PURPOSE = 'lets-talk mail-stop v1\0';

export function stopToken(key: string, userId: string): string {
  return createHmac('sha256', key).update(PURPOSE + userId).digest('base64url');
}

export function validStopToken(key: string, userId: string, token: string): boolean {
  const want = Buffer.from(stopToken(key, userId));
  const got = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

export function mailLinks(publicUrl: string, key: string, userId: string): MailLinks {
  return {
    home: `${publicUrl}/`,
    room: (roomId) => `${publicUrl}/rooms/${encodeURIComponent(roomId)}`,
    settings: `${publicUrl}/settings/email`,
    stop: `${publicUrl}/email/stop?u=${encodeURIComponent(userId)}&t=${stopToken(key, userId)}`,
  };
}
