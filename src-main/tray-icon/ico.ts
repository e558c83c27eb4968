/**
 * Windows .ico container holding PNG-compressed images (supported since Windows Vista, and by
 * electron-builder and NSIS). Layout: ICONDIR (6 bytes), one ICONDIRENTRY (16 bytes) per image,
 * then the PNG files. https://learn.microsoft.com/en-us/previous-versions/ms997538(v=msdn.10)
 */

export interface IcoImage {
  /** Pixel size (square), 1–256. */
  size: number;
  png: Buffer;
}

/** Packs PNG images into one .ico file, smallest first. */
export function encodeIco(images: readonly IcoImage[]): Buffer {
  if (images.length === 0) throw new RangeError('encodeIco: at least one image is needed');
  const sorted = [...images].sort((a, b) => a.size - b.size);
  const header = Buffer.alloc(6 + 16 * sorted.length);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type 1 = icon
  header.writeUInt16LE(sorted.length, 4);
  let offset = header.length;
  sorted.forEach((image, i) => {
    if (!Number.isInteger(image.size) || image.size < 1 || image.size > 256) {
      throw new RangeError(`encodeIco: size must be 1–256, got ${image.size}`);
    }
    const entry = 6 + 16 * i;
    header[entry] = image.size === 256 ? 0 : image.size; // 0 means 256
    header[entry + 1] = image.size === 256 ? 0 : image.size;
    header[entry + 2] = 0; // no palette
    header[entry + 3] = 0; // reserved
    header.writeUInt16LE(1, entry + 4); // colour planes
    header.writeUInt16LE(32, entry + 6); // bits per pixel
    header.writeUInt32LE(image.png.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += image.png.length;
  });
  return Buffer.concat([header, ...sorted.map((i) => i.png)]);
}
