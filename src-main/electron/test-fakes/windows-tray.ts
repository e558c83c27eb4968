/**
 * A fake of Electron's Tray + nativeImage on Windows (tests only).
 * - nativeImage.addRepresentation({ scaleFactor, width, height, buffer }) keeps one bitmap per
 *   scale factor ("High Resolution Image", Electron nativeImage docs; Windows scale factors
 *   1, 1.25, 1.5, 2, 2.5, 3 …).
 * - Tray.setImage on Windows takes the representation for the display's current scale factor
 *   when it is set; without one, Windows resamples the closest bitmap to the notification-area
 *   size (SM_CXSMICON: 16 px × scale), which blurs. A scale change does not update an image
 *   already set: the app must set it again (screen 'display-metrics-changed').
 * - Windows cuts the tooltip to 127 UTF-16 units (NOTIFYICONDATA.szTip is WCHAR[128]).
 */
export interface FakeRepresentation { scaleFactor: number; width: number; height: number; buffer: Buffer }

export class FakeNativeImage {
  readonly reps: FakeRepresentation[] = [];
  addRepresentation(r: FakeRepresentation): void {
    this.reps.push(r);
  }
}

export class FakeWindowsTray {
  scaleFactor = 1;
  /** What the notification area draws: the bitmap size used and whether it was resampled. */
  drawn: { px: number; resampled: boolean } | null = null;
  tooltip = '';
  menu: unknown = null;
  setImage(image: FakeNativeImage): void {
    const want = Math.round(16 * this.scaleFactor);
    const exact = image.reps.find((r) => r.width === want && r.height === want);
    if (exact) this.drawn = { px: want, resampled: false };
    else {
      const nearest = [...image.reps].sort((a, b) => Math.abs(a.width - want) - Math.abs(b.width - want))[0];
      this.drawn = { px: nearest ? nearest.width : 0, resampled: true };
    }
  }
  setToolTip(text: string): void {
    this.tooltip = text.slice(0, 127);
  }
  setContextMenu(menu: unknown): void {
    this.menu = menu;
  }
}
