/**
 * `metamer batch summary DIR`: reads the done jobs' run records and metamers, has every model
 * with the same modality and class list read out each metamer (argmax), and writes
 * DIR/summary/summary.json (the numbers), report.html (self-contained, inline SVG figures) and
 * page-set.zip (every run record + metamer file, the page's export format, to open in the page).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { parse } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import { bar, progressReporter, type CliIo } from '../io.ts';
import type { BatchJob } from '../../batch/plan.ts';
import { reportHtml, type GridPicture, type ReportModel } from '../../batch/report-html.ts';
import { summarizeBatch, type SummaryJob } from '../../batch/summary.ts';
import { zip } from '../../export/zip.ts';
import type { RunExport } from '../../export/run-json.ts';
import { parseNpy } from '../../io/npy.ts';
import { encodePngBytes } from '../../io/png-node.ts';
import type { LoadedModel, ModelManifest } from '../../models/manifest.ts';
import { listBuiltinModels, loadReference } from '../../models/registry.ts';
import type { AnyNodeBackend } from '../../platform/tf-node.ts';
import { prepareInput } from '../prepare-input.ts';
import { jsonText, writeFileAtomic } from './atomic.ts';
import { FILES, jobDir, jobStatus, readBatchManifest, readJson } from './job-files.ts';
import { ModelCache, modelsDirOf, resolveFromBatch, type DoneFile } from './job-runner.ts';
import { readoutClass } from '../../engine/readout.ts';
import { adaptInput } from '../../models/recognition/adapt-input.ts';
import { readersOf } from '../../models/recognition/readers.ts';
import { recognise, recognisedAs } from '../../models/recognition/recognise.ts';
import { quizSetCommand } from '../commands/quiz-set.ts';

export const SUMMARY_USAGE = `metamer batch summary DIR [--out FOLDER] [--readers a,b,...] [--no-quiz]
  Summarises DIR's done jobs into FOLDER (default DIR/summary): summary.json (per model and
  stage: pass rate, Spearman/Pearson/SNR distributions, recognition of the metamers by the
  generating model and by every model that can read them - same modality and classes, as
  "metamer recognise" - or the --readers given, chance), report.html (one self-contained file:
  the table, the grid of metamers per stage and the recognition-vs-stage curves),
  page-set.zip (every job's run folder, for the page's "Open runs") and, per model with
  classes, quiz-<model>.json (the page's recognition quiz, as "metamer quiz-set" makes it;
  --no-quiz skips it).`;

/** Grid rows per model in the report (the paper shows a few examples; the numbers cover every job). */
export const MAX_GRID_ROWS = 12;

async function referenceOf(batchDir: string, job: BatchJob, loaded: LoadedModel, models: ModelCache): Promise<tfTypes.Tensor> {
  const r = job.reference;
  if (r.kind === 'bundled') return loadReference(loaded.manifest, models.source, r.index);
  const prepared = await prepareInput(resolveFromBatch(batchDir, r.path), loaded.manifest.inputSpec);
  return prepared.tensor;
}

function pictureOf(data: Float32Array, manifest: ModelManifest, png?: Uint8Array): GridPicture {
  if (manifest.inputSpec.modality === 'audio') return { kind: 'wave', samples: data };
  const bytes = png ?? encodePngBytes(data, manifest.inputSpec.shape, { range: manifest.inputSpec.range });
  return { kind: 'png', base64: Buffer.from(bytes).toString('base64') };
}

export async function batchSummary(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { help: { type: 'boolean', short: 'h' }, out: { type: 'string' }, readers: { type: 'string' }, quiz: { type: 'boolean' } },
    true,
  );
  if (values.help) {
    io.out(`Usage: ${SUMMARY_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one batch folder: metamer batch summary DIR [--out FOLDER]');
  const dir = resolve(positionals[0]);
  const manifest = readBatchManifest(dir);
  const outDir = resolve(values.out ?? join(dir, 'summary'));
  const done = manifest.jobs.filter((j) => jobStatus(dir, j).state === 'done');
  io.err(`${done.length} of ${manifest.jobs.length} jobs done\n`);

  const tf = await cliBackend(manifest.settings.backend as AnyNodeBackend, io);
  const models = new ModelCache(modelsDirOf(dir, manifest));
  const allManifests = await listBuiltinModels(models.source);
  const batchModels = [...new Set(manifest.jobs.map((j) => j.model))];
  const wanted = values.readers === undefined ? null : values.readers.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of wanted ?? []) if (!allManifests.some((m) => m.id === r)) throw new UsageError(`--readers: unknown model "${r}"`);
  const recognisers: Record<string, string[]> = {};
  const chance: Record<string, number | null> = {};
  for (const id of batchModels) {
    const m = allManifests.find((x) => x.id === id) ?? (await models.get(id)).manifest;
    // The shared rule of who can read whose metamers (issue 15), the generating model first.
    const candidates = readersOf(m, allManifests, true).filter((r) => wanted === null || wanted.includes(r));
    const usable: string[] = [];
    for (const r of candidates) if ((await models.get(r)).model.readout) usable.push(r);
    recognisers[id] = usable;
    chance[id] = m.classes && m.classes.length > 0 ? 1 / m.classes.length : null;
  }

  const progress = progressReporter(io);
  const jobs: SummaryJob[] = [];
  const zipEntries: { name: string; data: Uint8Array }[] = [];
  const grid = new Map<string, ReportModel>();
  try {
    for (const [k, job] of done.entries()) {
      progress.update(`${bar(k, done.length)} reading ${job.id}`);
      const jd = jobDir(dir, job);
      const doneFile = readJson<DoneFile>(join(jd, FILES.done));
      const record = readJson<RunExport>(join(jd, doneFile.record));
      if (record.schema !== 'metamer-run-export/1') throw new Error(`${join(jd, doneFile.record)}: not a metamer-run-export/1 record`);
      const metamerBytes = readFileSync(join(jd, doneFile.metamer));
      // The run folder as the page opens it: run.json, the exact metamer.npy, the PNG/WAV, a user reference.
      for (const name of new Set([doneFile.record, doneFile.npy, doneFile.metamer, 'reference.npy'])) {
        if (existsSync(join(jd, name))) zipEntries.push({ name: `${job.id}/${name}`, data: readFileSync(join(jd, name)) });
      }
      const loaded = await models.get(job.model);
      const npy = parseNpy(readFileSync(join(jd, doneFile.npy)));
      const shape = [1, ...loaded.manifest.inputSpec.shape];
      const x = tf.tensor(npy.data, shape);
      const ref = await referenceOf(dir, job, loaded, models);
      try {
        const classes = loaded.manifest.classes ?? [];
        const bundledLabel = job.reference.kind === 'bundled' && classes.includes(job.reference.label) ? job.reference.label : null;
        const referenceLabel = bundledLabel ?? (await readoutClass(loaded.model, ref)) ?? null;
        const recognised: SummaryJob['recognised'] = {};
        for (const r of recognisers[job.model]) {
          const reader = await models.get(r);
          const fitted = adaptInput(x, loaded.manifest.inputSpec, reader.manifest.inputSpec);
          try {
            const seen = await recognise(reader.model, fitted);
            recognised[r] = { predicted: seen.predicted, correct: referenceLabel !== null && recognisedAs(seen, referenceLabel) };
          } finally {
            fitted.dispose();
          }
        }
        jobs.push({ id: job.id, model: job.model, stage: job.stage, record, referenceLabel, recognised });

        if (job.replicate === 0) {
          let g = grid.get(job.model);
          if (!g) {
            g = { id: job.model, name: loaded.manifest.name, stages: [...new Set(manifest.jobs.filter((j) => j.model === job.model).map((j) => j.stage))], rows: [] };
            grid.set(job.model, g);
          }
          const label = job.reference.kind === 'bundled' ? job.reference.label : job.reference.name;
          let row = g.rows.find((r) => r.label === label);
          if (!row && g.rows.length < MAX_GRID_ROWS) {
            const refData = new Float32Array((await ref.data()) as Float32Array);
            row = { label, reference: pictureOf(refData, loaded.manifest), cells: {} };
            g.rows.push(row);
          }
          const isPng = doneFile.metamer.endsWith('.png');
          if (row) row.cells[job.stage] = { picture: pictureOf(npy.data as Float32Array, loaded.manifest, isPng ? metamerBytes : undefined), pass: record.verdict ? record.verdict.pass : null };
        }
      } finally {
        x.dispose();
        ref.dispose();
      }
    }
  } finally {
    await models.dispose();
  }
  progress.done();

  const order: { model: string; stage: string }[] = [];
  for (const j of manifest.jobs) if (!order.some((o) => o.model === j.model && o.stage === j.stage)) order.push({ model: j.model, stage: j.stage });
  const summary = summarizeBatch(jobs, { total: manifest.jobs.length, order }, chance, recognisers);
  const s = manifest.settings;
  const html = reportHtml({
    title: `Metamer batch: ${batchModels.join(', ')}`,
    settingsLine: `${manifest.jobs.length} jobs; ${s.passes} x ${s.itersPerPass} steps, ${s.run.optimizer ?? 'normalized-gd'}${s.run.fakeRelu === false ? '' : ', fake ReLU'}, backend ${s.backend}; batch seed ${manifest.batchSeed}; planned ${manifest.createdAt}.`,
    summary,
    models: [...grid.values()],
  });
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'summary.json'), jsonText(summary));
  writeFileAtomic(join(outDir, 'report.html'), html);
  writeFileAtomic(join(outDir, 'page-set.zip'), zip(zipEntries));
  io.err(`wrote summary.json, report.html and page-set.zip (${jobs.length} runs) to ${outDir}\n`);

  // The page's recognition quiz per model, by the quiz-set command itself (job folders are generate's run folders).
  if (values.quiz !== false) {
    for (const id of batchModels) {
      const dirs = done.filter((j) => j.model === id).map((j) => jobDir(dir, j));
      if (dirs.length === 0 || !allManifests.find((m) => m.id === id)?.classes) continue;
      const out = join(outDir, `quiz-${id}.json`);
      const args = [...dirs, '--out', out, '--id', `batch-${id}`, '--backend', manifest.settings.backend, '--readers', recognisers[id].join(',')];
      if (recognisers[id].length === 0) args.splice(args.indexOf('--readers'), 2, '--no-readers');
      const modelsDir = modelsDirOf(dir, manifest);
      if (modelsDir) args.push('--models-dir', modelsDir);
      try {
        await quizSetCommand.run(args, { ...io, err: () => {} });
        io.err(`wrote ${out} (open it in the page at ?quiz=)\n`);
      } catch (e) {
        io.err(`note: no quiz for ${id}: ${(e as Error).message}\n`);
      }
    }
  }
  return 0;
}
