/**
 * Server-side rendering of the app's Svelte components inside Node tests: a Vite dev server in
 * middleware mode (no port, no watcher) compiles them with the Svelte plugin, and svelte/server
 * renders them to HTML. Effects (canvas drawing, d3 axes) do not run; markup does, so the
 * tests check what the components draw from their props.
 */
import { createServer, type ViteDevServer } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export interface SvelteRenderer {
  render(componentPath: string, props: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function svelteRenderer(): Promise<SvelteRenderer> {
  const server: ViteDevServer = await createServer({
    configFile: false,
    root: process.cwd(),
    logLevel: 'error',
    appType: 'custom',
    plugins: [svelte()],
    server: { middlewareMode: true, hmr: false, watch: null, ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  return {
    async render(componentPath, props) {
      // Both through the same module graph, so the component and render() share one Svelte runtime.
      const [component, svelteServer] = await Promise.all([
        server.ssrLoadModule(componentPath),
        server.ssrLoadModule('svelte/server'),
      ]);
      return svelteServer.render(component.default, { props }).body as string;
    },
    close: () => server.close(),
  };
}

/** Every opening tag (as text) that carries attr="value" (or just attr, when value is undefined). */
export function tagsWith(html: string, attr: string, value?: string): string[] {
  const tags = html.match(/<[a-zA-Z][^>]*>/g) ?? [];
  return tags.filter((t) => (value === undefined ? new RegExp(`\\s${attr}="`).test(t) : t.includes(` ${attr}="${value}"`)));
}

/** The value of an attribute in one opening tag, or null. */
export function attr(tag: string, name: string): string | null {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? m[1] : null;
}

/** The HTML of the element that starts with `openTag`, up to its matching close tag. */
export function elementHtml(html: string, openTag: string): string {
  const start = html.indexOf(openTag);
  if (start < 0) throw new Error(`no ${openTag} in the HTML`);
  const name = openTag.match(/^<([a-zA-Z0-9-]+)/)![1];
  const re = new RegExp(`<(/?)${name}(?=[\\s>/])[^>]*>`, 'g');
  re.lastIndex = start;
  let depth = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (m[0].endsWith('/>')) continue;
    depth += m[1] ? -1 : 1;
    if (depth === 0) return html.slice(start, m.index + m[0].length);
  }
  throw new Error(`unclosed ${openTag}`);
}

/** Text content with tags and comments removed and whitespace collapsed. */
export function textOf(html: string): string {
  return html.replace(/<!--[\s\S]*?-->/g, '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
}
