/**
 * The ray-casting shader (GLSL ES 3.0), as plain data, as three.js's VolumeShader is: the
 * uniforms with their defaults and the two GLSL sources in one object (`RaycastShader`). The
 * WebGL backend (webgl-backend.ts) clones the uniforms per material and sets them.
 *
 * The proxy geometry is the unit cube [0,1]^3 in texture space, drawn with its back faces; its
 * model matrix maps texture space to patient LPS mm (so oblique and gantry-tilted volumes
 * stand where their DICOM geometry puts them). Each fragment casts a ray from the camera
 * (given in texture space) through the cube, samples the 3D texture of real values (HU),
 * and composites front to back through a transfer-function table (opacity per mm, corrected
 * for the step length in mm) with early termination, or keeps the maximum (MIP).
 * Shading: one extra sample toward the viewer approximates the directional derivative
 * (a gradient-free headlight), 2 fetches per visible sample instead of 7.
 */

import { UniformsUtils, Matrix3, Vector2, Vector3, type Texture } from 'three';

const RAYCAST_VERTEX = /* glsl */ `
out vec3 vPosTex;
void main() {
  vPosTex = position;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}
`;

const RAYCAST_FRAGMENT = /* glsl */ `
precision highp float;
precision highp sampler3D;

uniform sampler3D uVolume;
uniform sampler2D uTransfer;
/** Value = texel * uValueScale + uValueOffset (real units). */
uniform float uValueScale;
uniform float uValueOffset;
/** Transfer table covers [x, y]. */
uniform vec2 uTfRange;
/** Values below this are fully transparent (skip the table lookup). */
uniform float uFirstVisible;
uniform vec3 uCameraTex;
/** For orthographic-like use: unused. */
uniform float uSteps;
/** Linear part of texture -> patient mm. */
uniform mat3 uTexToMm;
uniform int uMode;      // 0 composite, 1 MIP
uniform int uShade;
uniform vec2 uWindow;   // MIP window [centre, width]
uniform vec3 uBackground;
/** Voxel size in texture units along x, y, z (1 / dimensions). */
uniform vec3 uVoxelTex;

in vec3 vPosTex;
out vec4 outColor;

float hash(vec2 p) {
  return fract(sin(dot(p, vec2(12.9898, 78.233))) * 43758.5453);
}

float valueAt(vec3 p) {
  return texture(uVolume, p).r * uValueScale + uValueOffset;
}

void main() {
  vec3 dir = normalize(vPosTex - uCameraTex);
  vec3 inv = 1.0 / dir;
  vec3 ta = (vec3(0.0) - uCameraTex) * inv;
  vec3 tb = (vec3(1.0) - uCameraTex) * inv;
  vec3 tmin = min(ta, tb);
  vec3 tmax = max(ta, tb);
  float tNear = max(max(tmin.x, tmin.y), max(tmin.z, 0.0));
  float tFar = min(min(tmax.x, tmax.y), tmax.z);
  if (tFar <= tNear) { outColor = vec4(uBackground, 1.0); return; }
  // Step: the unit-cube diagonal in uSteps samples.
  float dt = 1.7320508 / uSteps;
  float stepMm = length(uTexToMm * dir) * dt;
  float t = tNear + dt * hash(gl_FragCoord.xy);
  vec3 shadeOffset = -dir * uVoxelTex * 1.5;
  if (uMode == 1) {
    float m = -1e9;
    for (int i = 0; i < 2048; i++) {
      if (t > tFar) break;
      m = max(m, valueAt(uCameraTex + dir * t));
      t += dt;
    }
    float g = clamp((m - (uWindow.x - 0.5 * uWindow.y)) / max(uWindow.y, 1.0), 0.0, 1.0);
    outColor = vec4(vec3(g), 1.0);
    return;
  }
  vec4 acc = vec4(0.0);
  float tfScale = 1.0 / (uTfRange.y - uTfRange.x);
  for (int i = 0; i < 2048; i++) {
    if (t > tFar) break;
    vec3 p = uCameraTex + dir * t;
    float v = valueAt(p);
    if (v >= uFirstVisible) {
      vec4 c = texture(uTransfer, vec2((v - uTfRange.x) * tfScale, 0.5));
      float a = 1.0 - pow(max(1.0 - c.a, 1e-4), stepMm);
      if (a > 0.002) {
        vec3 col = c.rgb;
        if (uShade == 1) {
          float d = v - valueAt(p + shadeOffset);
          float lit = clamp(d / 150.0, 0.0, 1.0);
          col *= 0.35 + 0.75 * lit;
        }
        acc.rgb += (1.0 - acc.a) * a * col;
        acc.a += (1.0 - acc.a) * a;
        if (acc.a > 0.97) break;
      }
    }
    t += dt;
  }
  outColor = vec4(acc.rgb + (1.0 - acc.a) * uBackground, 1.0);
}
`;

/** The ray cast as plain data: uniforms (defaults) + GLSL, as three.js's VolumeShader. */
export const RaycastShader = {
  /** Defaults; the GLSL declarations above say what each one means. */
  uniforms: {
    uVolume: { value: null as Texture | null },
    uTransfer: { value: null as Texture | null },
    uValueScale: { value: 1 },
    uValueOffset: { value: 0 },
    uTfRange: { value: new Vector2(-1024, 3071) },
    uFirstVisible: { value: -1024 },
    uCameraTex: { value: new Vector3() },
    uSteps: { value: 128 },
    uTexToMm: { value: new Matrix3() },
    uMode: { value: 0 },
    uShade: { value: 1 },
    uWindow: { value: new Vector2(300, 1200) },
    uBackground: { value: new Vector3(0.02, 0.027, 0.04) },
    uVoxelTex: { value: new Vector3() },
  },
  vertexShader: RAYCAST_VERTEX,
  fragmentShader: RAYCAST_FRAGMENT,
};

export type RaycastUniforms = typeof RaycastShader.uniforms;

/** A fresh copy of the uniforms for one material (three's UniformsUtils.clone, typed). */
export function cloneRaycastUniforms(): RaycastUniforms {
  return UniformsUtils.clone(RaycastShader.uniforms) as RaycastUniforms;
}
