// The espeak-ng package ships no types: the Emscripten factory's options and module, as used here.
declare module 'espeak-ng' {
  export interface ESpeakNgOptions {
    arguments: string[];
    print?: (text: string) => void;
    printErr?: (text: string) => void;
    locateFile?: (path: string, scriptDirectory: string) => string;
  }
  export interface ESpeakNgModule {
    FS: { readFile(path: string): Uint8Array };
  }
  export default function ESpeakNg(options: ESpeakNgOptions): Promise<ESpeakNgModule>;
}
