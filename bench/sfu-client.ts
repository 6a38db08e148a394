/**
 * Bench clients, run inside Chromium pages (bench/sfu.ts injects this file's function as source).
 * A minimal speaker of the call protocol (README "Calls"): the publisher sends mic + camera in
 * three layers; subscribers answer the server's offers and count received media with
 * encodedInsertableStreams, so Chromium does not spend CPU decoding.
 */
export function benchClient() {
  const w = window as any;
  w.subs = [] as { bytes: number; frames: number; ws: WebSocket; pc: RTCPeerConnection | null }[];
  const join = (url: string, onMsg: (m: any, ws: WebSocket) => void) => {
    const ws = new WebSocket(url);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'join', room: 'bench', start: 'group' }));
    let q = Promise.resolve();
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data));
      q = q.then(() => onMsg(m, ws)).catch((err) => console.error(err));
    };
    return ws;
  };
  w.publish = (url: string) =>
    new Promise<void>((done) => {
      let pc: RTCPeerConnection;
      join(url, async (m, ws) => {
        if (m.type === 'joined') {
          const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 1280, height: 720, frameRate: 24 } });
          pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
          const a = pc.addTransceiver(s.getAudioTracks()[0]!, { direction: 'sendonly' });
          const v = pc.addTransceiver(s.getVideoTracks()[0]!, {
            direction: 'sendonly',
            sendEncodings: [
              { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
              { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
              { rid: 'h', maxBitrate: 1_200_000 },
            ],
          });
          const p = v.sender.getParameters() as any;
          p.degradationPreference = 'maintain-resolution';
          await v.sender.setParameters(p).catch(() => {});
          await pc.setLocalDescription(await pc.createOffer());
          ws.send(JSON.stringify({ type: 'offer', sdp: pc.localDescription!.sdp, sources: { [a.mid!]: 'mic', [v.mid!]: 'cam' } }));
        } else if (m.type === 'answer') {
          await pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
          done();
        }
      });
    });
  w.subscribe = (url: string, view: string) => {
    const sub = { bytes: 0, frames: 0, videoBytes: 0, ws: null as unknown as WebSocket, pc: null as RTCPeerConnection | null };
    w.subs.push(sub);
    sub.ws = join(url, async (m, ws) => {
      if (m.type === 'joined') ws.send(JSON.stringify({ type: 'view', mode: view }));
      if (m.type !== 'offer') return;
      if (!sub.pc) {
        sub.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', encodedInsertableStreams: true } as RTCConfiguration);
        sub.pc.ontrack = (e) => {
          const kind = e.track.kind;
          const { readable } = (e.receiver as any).createEncodedStreams();
          void readable.pipeTo(
            new WritableStream({
              write(chunk: { data: ArrayBuffer }) {
                sub.bytes += chunk.data.byteLength;
                if (kind === 'video') {
                  sub.frames++;
                  sub.videoBytes += chunk.data.byteLength;
                }
              },
            }),
          );
        };
      }
      await sub.pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
      await sub.pc.setLocalDescription(await sub.pc.createAnswer());
      ws.send(JSON.stringify({ type: 'answer', sdp: sub.pc.localDescription!.sdp }));
    });
  };
  w.counts = () => w.subs.map((s: any) => [s.bytes, s.frames]);
}
