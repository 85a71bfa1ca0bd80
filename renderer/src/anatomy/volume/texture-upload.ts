/**
 * The WebGL backend's textures: the volume as a 3D texture of half floats (real values, HU for
 * CT), the transfer table as a 512 x 1 RGBA8 texture, and the matrix that places the texture's
 * unit cube in patient space.
 */
import * as THREE from 'three';
import type { Volume } from '../../../../common/volume';
import { multiply4, voxelToPatientMatrix } from '../../../../common/geometry';
import type { Grid } from './downsample';

/** Transfer table entries on the GPU (linear filtering between them). */
export const TRANSFER_TEXELS = 512;

/** Int16 -> IEEE half bits, for all 65536 values. */
let halfTable: Uint16Array | null = null;
function int16ToHalf(): Uint16Array {
  if (!halfTable) {
    halfTable = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = THREE.DataUtils.toHalfFloat(i - 32768);
  }
  return halfTable;
}

/** A writer of real values into `half` as half-float bits (a lookup table for Int16 data). */
export function halfFloatWriter(v: Volume, half: Uint16Array): (o: number, val: number) => void {
  const table = v.data instanceof Int16Array ? int16ToHalf() : null;
  return table ? (o, val) => (half[o] = table[(Math.round(val) + 32768) & 0xffff]) : (o, val) => (half[o] = THREE.DataUtils.toHalfFloat(val));
}

/** The volume texture: one red half-float channel, linear filtering, no mipmaps. The caller disposes it. */
export function createVolumeTexture(half: Uint16Array, [dx, dy, dz]: readonly number[]): THREE.Data3DTexture {
  const tex = new THREE.Data3DTexture(half, dx, dy, dz);
  tex.format = THREE.RedFormat;
  tex.type = THREE.HalfFloatType;
  tex.minFilter = THREE.LinearFilter;
  tex.magFilter = THREE.LinearFilter;
  tex.unpackAlignment = 1;
  tex.generateMipmaps = false;
  tex.needsUpdate = true;
  return tex;
}

/** The transfer table (bakeTransfer's TRANSFER_TEXELS RGBA8 entries) as a texture. The caller disposes it. */
export function createTransferTexture(rgba: Uint8Array): THREE.DataTexture {
  const tf = new THREE.DataTexture(rgba, TRANSFER_TEXELS, 1, THREE.RGBAFormat, THREE.UnsignedByteType);
  tf.minFilter = THREE.LinearFilter;
  tf.magFilter = THREE.LinearFilter;
  tf.needsUpdate = true;
  return tf;
}

/** Texture space [0,1]^3 of the averaged-down grid -> original voxel index -> patient mm. */
export function textureToPatient(v: Volume, { factors: f, dims: [dx, dy, dz] }: Grid): THREE.Matrix4 {
  const texToVoxel = new Float64Array([dx * f[0], 0, 0, 0, 0, dy * f[1], 0, 0, 0, 0, dz * f[2], 0, -0.5, -0.5, -0.5, 1]);
  return new THREE.Matrix4().fromArray(Array.from(multiply4(voxelToPatientMatrix(v), texToVoxel)));
}
