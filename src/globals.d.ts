/// <reference types="vite/client" />

/** Package version, replaced at build time. */
declare const __LOCALRANK_VERSION__: string;
