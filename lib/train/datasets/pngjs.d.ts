/** The part of pngjs (no bundled types) that CIFAR preparation uses. */
declare module 'pngjs' {
  export interface DecodedPng {
    readonly width: number;
    readonly height: number;
    /** RGBA, 4 bytes per pixel, row-major. */
    readonly data: Buffer;
  }
  export const PNG: {
    sync: { read(buffer: Buffer): DecodedPng };
  };
}
