/** The part of pngjs (no bundled types) that CIFAR preparation, custom datasets and their tests use. */
declare module 'pngjs' {
  export interface DecodedPng {
    readonly width: number;
    readonly height: number;
    /** RGBA, 4 bytes per pixel, row-major. */
    readonly data: Buffer;
    /** Whether the file stores colour (colour types 2, 3, 6) rather than grey (0, 4). */
    readonly color?: boolean;
  }
  /** An image to encode: RGBA `data`, 4 bytes per pixel. */
  export interface PngImage {
    width: number;
    height: number;
    data: Buffer;
  }
  export const PNG: {
    new (options: { width: number; height: number }): PngImage;
    sync: {
      read(buffer: Buffer): DecodedPng;
      /** `colorType` 0 writes grey, 2 RGB, 6 RGBA (the default). */
      write(png: PngImage, options?: { colorType?: 0 | 2 | 4 | 6 }): Buffer;
    };
  };
}
