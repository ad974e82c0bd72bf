/**
 * Pure part of "type a word and hear it": validates what the user asked for and builds the
 * eSpeak NG command line. The text always follows '--' (getopt's end of options), so a word
 * that starts with '-' is spoken, never read as an option.
 */

/** English voices and variants of the bundled eSpeak NG data (all checked to exist). */
export const SPEAK_VOICES = [
  { id: 'en-us', label: 'American English' },
  { id: 'en-us+f3', label: 'American English, female' },
  { id: 'en-us+m3', label: 'American English, male (deeper)' },
  { id: 'en-gb', label: 'British English' },
  { id: 'en-gb+f2', label: 'British English, female' },
  { id: 'en-gb-x-rp', label: 'British English, received pronunciation' },
  { id: 'en-gb-scotland', label: 'Scottish English' },
  { id: 'en-029', label: 'Caribbean English' },
  { id: 'en-us+whisper', label: 'American English, whisper' },
] as const;

export type SpeakVoice = (typeof SPEAK_VOICES)[number]['id'];

export interface SpeakRequest {
  text: string;
  voice: SpeakVoice;
  /** eSpeak's pitch, 0..99 (50 is the voice's normal). */
  pitch: number;
  /** Words per minute, 80..260. */
  speed: number;
}

export const SPEAK_LIMITS = { maxTextLength: 200, pitch: [0, 99], speed: [80, 260] } as const;
export const SPEAK_DEFAULTS: Omit<SpeakRequest, 'text'> = { voice: 'en-us+f3', pitch: 50, speed: 150 };
/** The file eSpeak writes inside its in-memory file system. */
export const SPEAK_OUTPUT_FILE = 'speech.wav';

export class SpeakError extends Error {
  override name = 'SpeakError';
}

export function isSpeakVoice(voice: string): voice is SpeakVoice {
  return SPEAK_VOICES.some((v) => v.id === voice);
}

/** The text to speak (whitespace collapsed and trimmed), or a SpeakError saying what is wrong. */
export function normaliseSpeakText(text: string): string {
  // Control characters would reach eSpeak's SSML/markup handling; a plain space is enough.
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  if (cleaned.length === 0) throw new SpeakError('Type a word to speak.');
  if (cleaned.length > SPEAK_LIMITS.maxTextLength) {
    throw new SpeakError(`The text is ${cleaned.length} characters; at most ${SPEAK_LIMITS.maxTextLength} can be spoken.`);
  }
  return cleaned;
}

function checkedInteger(value: number, [lo, hi]: readonly [number, number], what: string): number {
  if (!Number.isInteger(value) || value < lo || value > hi) throw new SpeakError(`${what} must be a whole number from ${lo} to ${hi}, not ${value}.`);
  return value;
}

/** eSpeak NG's arguments for a request: write a WAV file, voice, pitch, speed, then '--' and the text. */
export function speakArguments(request: SpeakRequest, outputFile = SPEAK_OUTPUT_FILE): string[] {
  const text = normaliseSpeakText(request.text);
  if (!isSpeakVoice(request.voice)) throw new SpeakError(`Unknown voice "${request.voice}".`);
  const pitch = checkedInteger(request.pitch, SPEAK_LIMITS.pitch, 'The pitch');
  const speed = checkedInteger(request.speed, SPEAK_LIMITS.speed, 'The speed');
  return ['-w', outputFile, '-v', request.voice, '-p', String(pitch), '-s', String(speed), '--', text];
}

/** The reference's name for a spoken clip. */
export function spokenClipName(request: Pick<SpeakRequest, 'text' | 'voice'>): string {
  return `spoken "${normaliseSpeakText(request.text)}" (${request.voice})`;
}
