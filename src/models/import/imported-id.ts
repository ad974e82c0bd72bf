/** Ids of imported models: readable (from the name the user gave), never clashing with another model. */

/** `imported-<slug of name>`, or with -2, -3, ... appended while `taken` says the id is in use. */
export function importedModelId(name: string, taken: (id: string) => boolean): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32).replace(/-+$/, '') || 'model';
  const base = `imported-${slug}`;
  let id = base;
  for (let k = 2; taken(id); k++) id = `${base}-${k}`;
  return id;
}
