/**
 * The `--input-spec FILE` of the CLI (and the JSON the fixtures ship next to each model): the
 * InputSpec fields plus how the imported graph wants its input laid out. Any field left out
 * keeps the value guessed from the model's input dims, so `{"range": [0, 255]}` is a valid file.
 *
 *   {"modality": "image", "shape": [224, 224, 3], "range": [0, 1],
 *    "init": {"mean": 0.5, "std": 0.05},
 *    "normalization": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
 *    "layout": "NCHW", "channelOrder": "RGB"}
 *
 * `"normalization": null` removes a guessed normalisation.
 */
import type { InputSpec } from '../../engine/types.ts';
import { validateInputSpec } from '../../engine/staged-model.ts';

export type InputLayout = 'NCHW' | 'NHWC';
export type ChannelOrder = 'RGB' | 'BGR';

/** An input spec with the graph-facing choices of an import. */
export interface ImportInputSpec {
  inputSpec: InputSpec;
  layout: InputLayout;
  channelOrder: ChannelOrder;
}

const SPEC_FIELDS = ['modality', 'shape', 'range', 'init', 'normalization', 'sampleRate'] as const;
const EXTRA_FIELDS = ['layout', 'channelOrder'] as const;
const KNOWN = [...SPEC_FIELDS, ...EXTRA_FIELDS] as readonly string[];

/**
 * Parses the file's text and lays it over `guess` (the values inspection guessed); throws one
 * line naming the file and the field at fault.
 */
export function applyInputSpecFile(text: string, fileName: string, guess: ImportInputSpec): ImportInputSpec {
  try {
    return applySpec(text, fileName, guess);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (message.startsWith(`input spec ${fileName}`)) throw e;
    throw new Error(`input spec ${fileName}: ${message}`);
  }
}

/** Fields a file may not clear with null (the model needs them); "normalization": null removes it. */
const REQUIRED = ['modality', 'shape', 'range', 'init'];

function applySpec(text: string, fileName: string, guess: ImportInputSpec): ImportInputSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`input spec ${fileName} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`input spec ${fileName} must be a JSON object`);
  const o = json as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) throw new Error(`input spec ${fileName}: unknown field "${key}" (known: ${KNOWN.join(', ')})`);
  }
  const inputSpec: InputSpec = { ...guess.inputSpec };
  const target = inputSpec as unknown as Record<string, unknown>;
  for (const key of SPEC_FIELDS) {
    if (!(key in o)) continue;
    if (o[key] === null && REQUIRED.includes(key)) throw new Error(`input spec ${fileName}: "${key}" cannot be null (leave it out to keep the guess)`);
    if (o[key] === null) delete target[key];
    else target[key] = o[key];
  }
  // A guessed normalisation belongs to the guessed channel count; a new shape without one drops it.
  if ('shape' in o && !('normalization' in o) && inputSpec.normalization && Array.isArray(inputSpec.shape) && Array.isArray(inputSpec.normalization.mean)) {
    const channels = inputSpec.shape[inputSpec.shape.length - 1];
    if (inputSpec.normalization.mean.length !== channels && inputSpec.normalization.mean.length !== 1) delete inputSpec.normalization;
  }
  if (inputSpec.modality === 'image') delete inputSpec.sampleRate;
  const layout = (o.layout ?? guess.layout) as InputLayout;
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new Error(`input spec ${fileName}: layout must be "NCHW" or "NHWC", got ${JSON.stringify(o.layout)}`);
  const channelOrder = (o.channelOrder ?? guess.channelOrder) as ChannelOrder;
  if (channelOrder !== 'RGB' && channelOrder !== 'BGR') {
    throw new Error(`input spec ${fileName}: channelOrder must be "RGB" or "BGR", got ${JSON.stringify(o.channelOrder)}`);
  }
  try {
    validateInputSpec(inputSpec, 'input spec');
  } catch (e) {
    // validateInputSpec names fields "input spec.shape"; name the file instead.
    throw new Error(`input spec ${fileName}: ${(e as Error).message.replace(/^input spec\.?/, '').trim()}`);
  }
  if (inputSpec.modality === 'image' && channelOrder === 'BGR' && inputSpec.shape[2] !== 3) {
    throw new Error(`input spec ${fileName}: channelOrder "BGR" needs 3 channels, the shape [${inputSpec.shape}] has ${inputSpec.shape[2]}`);
  }
  return { inputSpec, layout, channelOrder };
}
