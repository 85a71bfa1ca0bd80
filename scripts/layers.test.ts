/**
 * The layer allow-list (eslint.config.mjs + scripts/lint-layers.mjs, run by `npm run lint`) really rejects
 * what it must and lets through what the tree needs: snippets linted with ESLint's Node API as if they
 * were files in each folder. The tree itself is checked by `npm run lint`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

/** Messages ESLint reports for `code` placed at `file` (relative to the root). */
async function lint(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return r.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

async function rejects(file: string, code: string, why: RegExp) {
  const msgs = await lint(file, code);
  assert.equal(msgs.length, 1, `${file}: ${code} should give one error, got ${JSON.stringify(msgs)}`);
  assert.match(msgs[0], why, `${file}: ${code}`);
}

async function accepts(file: string, code: string) {
  assert.deepEqual(await lint(file, code), [], `${file}: ${code}`);
}

test('renderer/: no Node built-ins, no hub, no native-bridge/node, no Node-only packages; dynamic import refused', async () => {
  const f = 'renderer/src/probe.ts';
  await rejects(f, "import fs from 'node:fs';", /no-restricted-imports: .*renderer\/ may not import Node built-in modules/);
  await rejects(f, "import * as path from 'path';", /renderer\/ may not import Node built-in modules/);
  await rejects(f, "import { Hub } from '../../main/hub/hub';", /renderer\/ may import only from renderer\/, common\//);
  await rejects(f, "import type { WaveBlock } from '../../main/hub/sink';", /renderer\/ may import only from/);
  await rejects(f, "export * from '../../native-bridge/node/bus-server';", /renderer\/ may import only from/);
  await rejects('renderer/src/anatomy/probe.ts', "import { x } from '../../../native-bridge/common/wire';", /renderer\/ may import only from/);
  await rejects(f, "import { Dealer } from 'zeromq';", /renderer\/ may import only these npm packages: react, react-dom, three/);
  await rejects(f, "import WebSocket from 'ws';", /npm packages/);
  await rejects(f, "const m = await import('three');", /no-restricted-syntax: renderer\/ uses static imports only/);
  await accepts(f, "import { useState } from 'react';\nimport { createRoot } from 'react-dom/client';\nimport * as THREE from 'three';");
  await accepts('renderer/src/anatomy/probe.ts', "import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';\nimport './anatomy.css';");
  await accepts(
    'renderer/src/anatomy/probe.ts',
    "import { invertAffine } from '../../../common/geometry';\nimport { TraceBuffer } from '../waves/trace-buffer';",
  );
});

test('common/ imports only common/ and zod; native-bridge/common/ only itself and common/', async () => {
  await rejects('common/probe.ts', "import { Hub } from '../main/hub/hub';", /common\/ may import only from common\//);
  await rejects('common/probe.ts', "import { encode } from '../native-bridge/common/wire';", /common\/ may import only from common\//);
  await rejects('common/probe.ts', "import React from 'react';", /common\/ may import only these npm packages: zod/);
  await rejects('common/probe.ts', "import { readFileSync } from 'node:fs';", /may not import Node built-in modules/);
  await rejects('common/probe.ts', "const fs = require('node:fs');", /no-restricted-syntax/);
  await accepts('common/probe.ts', "import { z } from 'zod';\nimport type { Volume } from './volume';");
  await rejects('native-bridge/common/probe.ts', "import { Dealer } from 'zeromq';", /native-bridge\/common\/ may not import npm packages/);
  await rejects('native-bridge/common/probe.ts', "import { BusServer } from '../node/bus-server';", /only from native-bridge\/common\/, common\//);
  await rejects('native-bridge/common/probe.ts', "import { EventEmitter } from 'node:events';", /Node built-in/);
  await accepts(
    'native-bridge/common/sim/probe.ts',
    "import { invertAffine } from '../../../common/geometry';\nimport { rng } from './physiology';\nimport { z85 } from '../z85';",
  );
});

test('native-bridge/node/: zeromq, Node, native-bridge/common and common; never the hub', async () => {
  const f = 'native-bridge/node/probe.ts';
  await rejects(f, "import { Hub } from '../../main/hub/hub';", /only from native-bridge\/node\/, native-bridge\/common\/, common\//);
  await rejects(f, "import WebSocket from 'ws';", /may import only these npm packages: zeromq/);
  await accepts(
    f,
    "import * as zmq from 'zeromq';\nimport fs from 'node:fs';\nimport { encode } from '../common/wire';\nimport { x } from '../../common/geometry';",
  );
  await accepts('native-bridge/node/tools/probe.ts', "import { DeviceClient } from '../device-client';\nimport { MDC } from '../../common/mdc';");
});

test('main/ (hub, cli, dicom, recorder): never electron, React, three, zeromq, the renderer or main/electron', async () => {
  for (const f of ['main/hub/probe.ts', 'main/cli/probe.ts', 'main/dicom/probe.ts', 'main/recorder/probe.ts']) {
    await rejects(f, "import { app } from 'electron';", /main\/ may import only these npm packages: .*better-sqlite3/);
    await rejects(f, "import React from 'react';", /npm packages/);
    await rejects(f, "import * as THREE from 'three';", /npm packages/);
    await rejects(f, "import { Dealer } from 'zeromq';", /npm packages/);
    await rejects(f, "import { useStore } from '../../renderer/src/store';", /main\/ may import only from main\/, native-bridge\/, common\//);
    await rejects(f, "import { decideCompositing } from '../electron/gpu-policy';", /main\/ may not import main\/electron\//);
    await accepts(f, "import fs from 'node:fs';\nimport { WebSocketServer } from 'ws';\nimport { BusServer } from '../../native-bridge/node/bus-server';");
    await accepts(f, "import { Hub } from '../hub/hub';\nimport { voxelToPatient } from '../../common/geometry';\nconst d = require('dicom-parser');");
  }
  await rejects('main/probe.ts', "import { app } from 'electron';", /npm packages/);
  await rejects('main/probe.ts', "import { x } from './electron/main';", /main\/ may not import main\/electron\//);
});

test('main/electron/: electron, Node and itself only', async () => {
  const f = 'main/electron/probe.ts';
  await rejects(f, "import { Hub } from '../hub/hub';", /main\/electron\/ may import only from main\/electron\//);
  await rejects(f, "import WebSocket from 'ws';", /main\/electron\/ may import only these npm packages: electron/);
  await accepts(f, "import { app, BrowserWindow } from 'electron';\nimport path from 'node:path';\nimport { parseFinding } from './gpu-policy';");
});

test('tests and test helpers are not production code: the layer rules leave them alone', async () => {
  await accepts('renderer/src/probe.test.ts', "import { test } from 'node:test';\nimport fs from 'node:fs';");
  await accepts('native-bridge/node/probe.test.ts', "import { Hub } from '../../main/hub/hub';");
  await accepts('main/recorder/testing/probe.ts', "import fs from 'node:fs';");
});

test('every production source file in a layer folder is under the rule (no directory left out)', async () => {
  const layerDirs = ['common', 'native-bridge', 'main', 'renderer'];
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && e.name !== 'testutil.ts' && !p.includes(`${path.sep}testing${path.sep}`))
        files.push(p);
    }
  };
  for (const d of layerDirs) walk(path.join(ROOT, d));
  assert.ok(files.length > 100, `found ${files.length} source files`);
  const uncovered: string[] = [];
  for (const f of files) {
    const cfg = await eslint.calculateConfigForFile(f);
    const rule = cfg?.rules?.['@typescript-eslint/no-restricted-imports'];
    if (!rule || rule[0] !== 2) uncovered.push(path.relative(ROOT, f));
  }
  assert.deepEqual(uncovered, []);
});

test('hub, DICOM and recorder code never import the simulators; the command line may (or-hub simulate)', async () => {
  await rejects(
    'main/hub/probe.ts',
    "import { SIM_DEVICE_NAMES } from '../../native-bridge/node/simulators/devices';",
    /may not import native-bridge\/node\/simulators\//,
  );
  await rejects('main/recorder/probe.ts', "import { rng } from '../../native-bridge/common/sim/physiology';", /may not import native-bridge\/common\/sim\//);
  await accepts('main/cli/probe.ts', "import { SIM_DEVICE_NAMES } from '../../native-bridge/node/simulators/devices';");
});
