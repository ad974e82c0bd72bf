/**
 * Files dropped on (or picked in) the import zone as ImportFiles. A dropped folder is walked
 * (its .onnx, .json and .bin files, e.g. a TF.js model.json with its shards); loose files are
 * all kept, so the worker can say what is wrong with an unexpected one.
 */
import type { ImportFile } from '../../worker/protocol.ts';
import { droppedFiles } from '../dropped-entries.ts';

const MODEL_FILE = /\.(onnx|json|bin)$/i;

async function readFile(file: File): Promise<ImportFile> {
  return { name: file.name, bytes: await file.arrayBuffer() };
}

/** The files of a drop: folders walked where the browser exposes entries, else the plain file list. */
export async function filesOfDrop(data: DataTransfer): Promise<ImportFile[]> {
  const dropped = await droppedFiles(data, (name, inFolder) => !inFolder || MODEL_FILE.test(name));
  return Promise.all(dropped.map((d) => readFile(d.file)));
}

export function filesOfList(list: FileList | File[]): Promise<ImportFile[]> {
  return Promise.all(Array.from(list).map(readFile));
}
