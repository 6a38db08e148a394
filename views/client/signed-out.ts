/**
 * The sign-in page's script: it clears what the app kept in this browser for the last person signed
 * in (the outbox of unsent messages, outbox.ts). Here rather than on the sign-out button because
 * every way back in passes through this page, sign-out or not: a session that ended by itself
 * (expired, revoked by an administrator, a password reset) sends open tabs here (close code 4401)
 * and any later visit too, so nothing is left for the next person, nor sent for the last one at
 * her next sign-in on this computer.
 */
import { clearUserData } from './outbox';

clearUserData([localStorage, sessionStorage]);
