/**
 * A scalar image volume in DICOM patient coordinates (LPS, mm). Pure: runs anywhere.
 *
 * Voxel (i, j, k) — i along columns, j along rows, k along slices — sits at
 *   P = origin + i * spacing[0] * rowDir + j * spacing[1] * colDir + k * spacing[2] * sliceDir
 * where rowDir = direction[0..2] (DICOM ImageOrientationPatient first triple: the direction
 * in which column index i increases), colDir = direction[3..5], sliceDir = direction[6..8].
 * For gantry-tilted series sliceDir is the true (oblique) step between slice origins,
 * not the cross product of rowDir and colDir.
 */
export interface VolumeGeometry {
  /** [columns, rows, slices] */
  dimensions: [number, number, number];
  /** [column spacing, row spacing, slice step] in mm (column spacing = PixelSpacing[1]). */
  spacing: [number, number, number];
  /** Patient position (LPS, mm) of the centre of voxel (0,0,0). */
  origin: [number, number, number];
  /** 9 direction cosines: row direction, column direction, slice direction (unit vectors). */
  direction: [number, number, number, number, number, number, number, number, number];
}

export interface Volume extends VolumeGeometry {
  /** Voxel values in real units (HU for CT) after rescale, x fastest then y then z. */
  data: Int16Array | Float32Array;
  /** [min, max] of data. */
  valueRange: [number, number];
  /** Real-world unit of the values: "HU" for CT, "" when unknown. */
  unit: string;
  modality: string;
  description: string;
  /** Suggested window [centre, width] from the series (WindowCenter/WindowWidth), if any. */
  window?: [number, number];
}
