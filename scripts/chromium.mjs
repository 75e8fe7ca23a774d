// Debian's Chromium, launched the way every test and benchmark here needs it
// (playwright cannot download browsers on these machines).
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless as root, and quiet: without the background-networking flags Chromium floods a closed network. */
export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Adds the flag that exposes WebGPU (a software SwiftShader adapter on machines without a GPU). */
export const chromiumFlags = ({ webgpu = false } = {}) => (webgpu ? [...CHROMIUM_FLAGS, '--enable-unsafe-webgpu'] : CHROMIUM_FLAGS);
