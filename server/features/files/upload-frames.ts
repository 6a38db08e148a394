/**
 * Client → server text frames of the /upload socket (JSON; README "Upload protocol"). Checked with a
 * compiled schema like the chat frames: unknown fields and oversize values are refused before any
 * action runs (the name, type and preview are checked again, and their meaning, in actions.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const strict = { additionalProperties: false } as const;

export const UploadFrame = Type.Union([
  Type.Object(
    {
      type: Type.Literal('begin'),
      room: Type.String({ minLength: 1, maxLength: 64 }),
      name: Type.String({ maxLength: 1024 }),
      // TypeBox's Integer: never a numeric string (see chat/frames.ts)
      size: Type.Integer({ minimum: 0 }),
      sha256: Type.String({ maxLength: 64 }),
      mime: Type.Optional(Type.String({ maxLength: 255 })),
      // base64 of a JPEG of at most MAX_THUMB_BYTES: parseThumb checks it and says so (the frame's
      // payload limit bounds it here)
      thumb: Type.Optional(Type.Unknown()),
    },
    strict,
  ),
  Type.Object({ type: Type.Literal('cancel'), uploadId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, strict),
]);

export type UploadFrame = Static<typeof UploadFrame>;

const checker = TypeCompiler.Compile(UploadFrame);

/** The frame if it is one of the above; null otherwise. */
export const parseUploadFrame = (v: unknown): UploadFrame | null => (checker.Check(v) ? v : null);
