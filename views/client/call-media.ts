/**
 * A call page's devices and its plan for a lost connection (views/client/call-client.ts): the
 * camera's capture and simulcast layers, opening what the device has, and what is kept to join
 * again after a loss.
 */

// Chromium sends three simulcast layers only from 960×540 up; 720p gives 320×180, 640×360, 1280×720.
export const CAMERA = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24 } };
export const SIMULCAST: RTCRtpEncodingParameters[] = [
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'h', maxBitrate: 1_200_000 },
];

/**
 * What a page keeps when its signalling socket is lost (a network switch, a server restart) to join
 * again by itself (call.ts): the call's mode and its own choices, so a muted person is not heard
 * and an audio-only one is not sent video when back. A screen share is not resumed (the browser
 * asks the user again). `attempt` counts joins that failed since the loss.
 */
export interface Resume {
  mode: 'group' | 'lecture';
  host: boolean;
  micMuted: boolean;
  camOff: boolean;
  audioOnly: boolean;
  quality: 'auto' | 'low' | 'high';
  attempt: number;
  /** The participant id the page had: its rejoin replaces that seat only (protocol.ts join.rejoin). */
  seat: string;
}

/** How long a call must stay up after a rejoin for the next loss to start the attempts afresh. */
export const STABLE_MS = 30_000;

/** Closes the server means (README "Signalling protocol"); any other close is a lost connection. */
export const FINAL_CLOSES = new Set([1000, 4401, 4403, 4404, 4429]);

/**
 * Opens what this device has. Asking for microphone and camera together fails outright when
 * either is missing or refused (a lab PC without a webcam, a camera the user said no to), which
 * left people unable even to speak: then each is asked for alone. With neither, the page still
 * publishes what it can (a lecturer without a microphone shares slides in a hall with its own PA).
 */
export async function openDevices(wantCam: boolean): Promise<{ mic?: MediaStreamTrack; cam?: MediaStreamTrack; problem: string | null }> {
  const get = (c: MediaStreamConstraints) => navigator.mediaDevices.getUserMedia(c).catch(() => null);
  let stream = await get({ audio: true, video: wantCam ? CAMERA : false });
  if (!stream && wantCam) stream = (await get({ audio: true })) ?? (await get({ video: CAMERA }));
  const mic = stream?.getAudioTracks()[0];
  const cam = stream?.getVideoTracks()[0];
  const problem = !mic
    ? wantCam && !cam
      ? 'Your microphone and camera could not be opened (missing, or not allowed): others cannot hear or see you.'
      : 'Your microphone could not be opened (missing, or not allowed): others cannot hear you.'
    : wantCam && !cam
      ? 'Your camera could not be opened (missing, or not allowed): others hear you without video.'
      : null;
  return { mic, cam, problem };
}
