/**
 * Runs eSpeak NG (Emscripten WASM, GPL-3.0-or-later) to turn a request into WAV bytes. The
 * module is imported lazily, so its 18 MB of code and voice data load only when someone
 * first presses "Speak"; each synthesis instantiates a fresh module (eSpeak's main() exits).
 */
import { SPEAK_OUTPUT_FILE, SpeakError, speakArguments, type SpeakRequest } from './speak.ts';

type Factory = typeof import('espeak-ng').default;
let factory: Promise<Factory> | null = null;

/** True once the synthesiser's code has loaded (the first call downloads it). */
export let speechSynthLoaded = false;

function loadFactory(): Promise<Factory> {
  factory ??= import('espeak-ng').then(
    (m) => {
      speechSynthLoaded = true;
      return m.default;
    },
    (err: unknown) => {
      factory = null; // let a later press try again
      throw new SpeakError(`The speech synthesiser could not be loaded: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    },
  );
  return factory;
}

/** The WAV file (22050 Hz, 16-bit mono) eSpeak NG writes for the request. */
export async function synthesiseSpeech(request: SpeakRequest): Promise<Uint8Array> {
  const args = speakArguments(request);
  const ESpeakNg = await loadFactory();
  const messages: string[] = [];
  let module;
  try {
    module = await ESpeakNg({ arguments: args, print: () => {}, printErr: (text) => messages.push(text) });
  } catch (err) {
    throw new SpeakError(`The speech synthesiser failed to start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    return module.FS.readFile(SPEAK_OUTPUT_FILE);
  } catch (err) {
    const why = messages.find((m) => m.startsWith('Error')) ?? messages[0] ?? 'no output was written';
    throw new SpeakError(`The speech synthesiser produced no audio: ${why}`, { cause: err });
  }
}
